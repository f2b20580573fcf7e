import {
  ARCHES,
  type Errno,
  type FeatureName,
  FeatureSet,
  negotiate,
  type OpenMode,
  POLICY_DEFAULTS,
  UFFD_API,
} from "@negotiate/core";
import { DISTRO_PROFILES, type MockArch, type MockOptions, mockBackend } from "@negotiate/mock";
import { describe, expect, it } from "vitest";

// One (release, arch, privilege, request) point per row, each with the source it was read in
// (docs/kernel-sources.md). Expectations are written from the sources, not from the mock's tables.

interface Point {
  readonly kernel: string;
  readonly arch?: MockArch;
  /** Default: the mock's default caller, uid≠0 without CAP_SYS_PTRACE. */
  readonly root?: boolean;
  readonly options?: Partial<MockOptions>;
  readonly mode?: OpenMode;
  /** Features of one `UFFDIO_API` (default: none); `api` overrides the api value. */
  readonly request?: readonly FeatureName[];
  readonly unknownBit?: boolean;
  readonly api?: bigint;
  /** A second `UFFDIO_API` after a successful first: whether its struct comes back zeroed. */
  readonly secondZeroed?: boolean;
  readonly open?: Errno;
  /** The cause behind a refused open. */
  readonly cause?: string;
  readonly result?: "ok" | Errno;
  readonly returns?: readonly FeatureName[];
  readonly lacks?: readonly FeatureName[];
  /** The enabled set as fdinfo shows it. */
  readonly enabled?: readonly FeatureName[];
  readonly source: string;
}

const WP = "00b151f21f39 (5.14: WP masked without HAVE_ARCH_USERFAULTFD_WP; advertised everywhere from 5.7)";
const WP_57 =
  "e06f1e1dd499 (5.7 PAGEFAULT_FLAG_WP) + fs/userfaultfd.c @003fccf2e71c: features = UFFD_API_FEATURES, unmasked";
const MINOR = "7677f7fd8be7 (5.13 MINOR_HUGETLBFS, masked without HAVE_ARCH_USERFAULTFD_MINOR)";
const REJECT = "6.10 masked-bit check; stable 6.9.10/6.6.41/6.1.100/5.15.163, not 5.10.y (reference §2)";
const ZERO =
  "22e5fe2a2a27 (5.15 prevent concurrent API initialization); 5.10.67 announcement lists it; 5.4.147 was reverts only, 5.4.y backport 9f226f62fdc1";
const FORK = "EVENT_FORK needs CAP_SYS_PTRACE (5.5; 4.14.162, 4.19.93, 5.4.8)";
const DROP = "don't fail on unrecognized features (6.0.y, 6.1.0–6.1.25, 6.2.0–6.2.12; reverted)";
const SYSCTL = "vm.unprivileged_userfaultfd: default 1 from 5.2, 0 from 5.11 (reference §2, §5)";
const DEVICE = "/dev/userfaultfd 6.1, 0600 root (reference §2)";
const RISCV_MINOR = "a2492ca86c98 (riscv64 minor faults, 6.5)";
const RISCV_WP = "c64da3950cf4 (riscv64 uffd-wp with Svrsw60t59b, 6.19; uncertain)";
const LOONG = "f48ad26e5e57 (LoongArch: Select HAVE_ARCH_USERFAULTFD_MINOR), pulled with tag loongarch-6.9";
const ARM64_WP = "5b32510af77b (arm64 uffd-wp, 6.10)";
const PROFILE = "mock distro profile (docs/kernel-sources.md §5; uncertain where marked there)";

const POINTS: readonly Point[] = [
  // Write-protect where the arch cannot track it: advertised 5.7–5.13, masked from 5.14.
  {
    kernel: "5.10.226",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    returns: ["PAGEFAULT_FLAG_WP"],
    enabled: ["PAGEFAULT_FLAG_WP"],
    source: WP_57,
  },
  { kernel: "5.7", arch: "arm64", root: true, returns: ["PAGEFAULT_FLAG_WP"], source: WP_57 },
  { kernel: "5.7", arch: "i386", root: true, returns: ["PAGEFAULT_FLAG_WP"], source: WP_57 },
  {
    kernel: "5.13",
    arch: "s390x",
    root: true,
    returns: ["PAGEFAULT_FLAG_WP"],
    lacks: ["MINOR_HUGETLBFS"],
    source: MINOR,
  },
  {
    kernel: "5.13",
    arch: "ppc64le",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    returns: ["PAGEFAULT_FLAG_WP"],
    source: WP_57,
  },
  {
    kernel: "5.14",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    lacks: ["PAGEFAULT_FLAG_WP"],
    enabled: ["PAGEFAULT_FLAG_WP"],
    source: WP,
  },
  { kernel: "5.14", arch: "i386", root: true, lacks: ["PAGEFAULT_FLAG_WP", "MINOR_SHMEM"], source: WP },
  {
    kernel: "5.15",
    arch: "arm",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    lacks: ["PAGEFAULT_FLAG_WP"],
    source: WP,
  },
  {
    kernel: "6.9",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    lacks: ["PAGEFAULT_FLAG_WP"],
    source: WP,
  },
  {
    kernel: "6.9.10",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: REJECT,
  },
  {
    kernel: "6.10",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP", "WP_ASYNC"],
    result: "ok",
    returns: ["PAGEFAULT_FLAG_WP", "WP_ASYNC"],
    enabled: ["PAGEFAULT_FLAG_WP", "WP_ASYNC", "WP_UNPOPULATED"],
    source: ARM64_WP,
  },
  {
    kernel: "6.10",
    arch: "i386",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: REJECT,
  },
  {
    kernel: "6.6.40",
    arch: "s390x",
    root: true,
    request: ["WP_UNPOPULATED"],
    result: "ok",
    lacks: ["WP_UNPOPULATED"],
    source: REJECT,
  },
  {
    kernel: "6.6.41",
    arch: "s390x",
    root: true,
    request: ["WP_UNPOPULATED"],
    result: "EINVAL",
    source: REJECT,
  },
  {
    kernel: "6.1.99",
    arch: "ppc64le",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    source: REJECT,
  },
  {
    kernel: "6.1.100",
    arch: "ppc64le",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: REJECT,
  },
  {
    kernel: "5.15.162",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    source: REJECT,
  },
  {
    kernel: "5.15.163",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: REJECT,
  },
  {
    kernel: "5.10.226",
    arch: "arm64",
    root: true,
    request: ["MINOR_SHMEM"],
    result: "EINVAL",
    source: "MINOR_SHMEM is 5.14: an unknown bit to 5.10 (reference §4)",
  },
  {
    kernel: "6.18",
    root: true,
    returns: ["PAGEFAULT_FLAG_WP", "MOVE", "WP_ASYNC", "MINOR_SHMEM"],
    source: "observed on this 6.18 x86_64 host (test/differential.test.ts)",
  },
  // Minor faults by arch.
  { kernel: "5.13", arch: "x86_64", root: true, returns: ["MINOR_HUGETLBFS"], source: MINOR },
  {
    kernel: "5.13",
    arch: "riscv64",
    root: true,
    request: ["MINOR_HUGETLBFS"],
    result: "ok",
    lacks: ["MINOR_HUGETLBFS"],
    enabled: ["MINOR_HUGETLBFS"],
    source: MINOR,
  },
  {
    kernel: "6.4",
    arch: "riscv64",
    root: true,
    lacks: ["MINOR_HUGETLBFS", "MINOR_SHMEM"],
    source: RISCV_MINOR,
  },
  {
    kernel: "6.5",
    arch: "riscv64",
    root: true,
    returns: ["MINOR_HUGETLBFS", "MINOR_SHMEM"],
    lacks: ["PAGEFAULT_FLAG_WP"],
    source: RISCV_MINOR,
  },
  {
    kernel: "6.10",
    arch: "riscv64",
    root: true,
    request: ["MINOR_SHMEM"],
    result: "ok",
    returns: ["MINOR_SHMEM"],
    source: RISCV_MINOR,
  },
  {
    kernel: "6.18",
    arch: "riscv64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: RISCV_WP,
  },
  {
    kernel: "6.19",
    arch: "riscv64",
    root: true,
    options: { cpuExtensions: ["Svrsw60t59b"] },
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    returns: ["PAGEFAULT_FLAG_WP"],
    source: RISCV_WP,
  },
  {
    kernel: "6.19",
    arch: "riscv64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: RISCV_WP,
  },
  { kernel: "6.8", arch: "arm", root: true, lacks: ["MINOR_HUGETLBFS", "PAGEFAULT_FLAG_WP"], source: MINOR },
  {
    kernel: "6.8",
    arch: "i386",
    root: true,
    lacks: ["MINOR_SHMEM", "WP_HUGETLBFS_SHMEM"],
    returns: ["MOVE"],
    source: MINOR,
  },
  // loongarch64.
  {
    kernel: "5.18",
    arch: "loongarch64",
    root: true,
    open: "ENOSYS",
    source: "loongarch64 merged in 5.19 (uncertain: release from memory)",
  },
  {
    kernel: "5.19",
    arch: "loongarch64",
    root: true,
    returns: ["EXACT_ADDRESS"],
    lacks: ["PAGEFAULT_FLAG_WP", "MINOR_HUGETLBFS"],
    source: LOONG,
  },
  {
    kernel: "6.8",
    arch: "loongarch64",
    root: true,
    request: ["MINOR_SHMEM"],
    result: "ok",
    lacks: ["MINOR_SHMEM"],
    source: LOONG,
  },
  {
    kernel: "6.9",
    arch: "loongarch64",
    root: true,
    returns: ["MINOR_HUGETLBFS", "MINOR_SHMEM"],
    source: LOONG,
  },
  { kernel: "6.18", arch: "loongarch64", root: true, request: ["WP_ASYNC"], result: "EINVAL", source: LOONG },
  { kernel: "4.14", arch: "riscv64", root: true, open: "ENOSYS", source: "riscv64 merged in 4.15" },
  // The second-call zeroing and its backports.
  { kernel: "5.4.147", root: true, secondZeroed: false, source: ZERO },
  { kernel: "5.4.148", root: true, secondZeroed: true, source: ZERO },
  { kernel: "5.14.5", root: true, secondZeroed: false, source: `${ZERO}; 5.14.6 uncertain` },
  { kernel: "5.14.6", root: true, secondZeroed: true, source: `${ZERO}; 5.14.6 uncertain` },
  { kernel: "5.15", root: true, secondZeroed: true, source: ZERO },
  { kernel: "5.10.66", root: true, secondZeroed: false, source: ZERO },
  { kernel: "5.10.67", root: true, secondZeroed: true, source: ZERO },
  { kernel: "4.11", root: true, secondZeroed: false, source: ZERO },
  // EVENT_FORK and the capability.
  {
    kernel: "5.4.7",
    mode: "syscall",
    options: { unprivilegedUserfaultfd: 1 },
    request: ["EVENT_FORK"],
    result: "ok",
    source: FORK,
  },
  { kernel: "5.4.8", mode: "syscall", request: ["EVENT_FORK"], result: "EPERM", source: FORK },
  { kernel: "4.14.161", mode: "syscall", request: ["EVENT_FORK"], result: "ok", source: FORK },
  { kernel: "4.14.162", mode: "syscall", request: ["EVENT_FORK"], result: "EPERM", source: FORK },
  { kernel: "5.5", mode: "syscall", root: true, request: ["EVENT_FORK"], result: "ok", source: FORK },
  {
    kernel: "6.18",
    mode: "user-mode-only",
    request: ["EVENT_FORK"],
    result: "EPERM",
    source: "measured on 6.18 as uid 65534 (reference §5)",
  },
  {
    kernel: "6.18",
    mode: "user-mode-only",
    request: ["EVENT_FORK"],
    unknownBit: true,
    result: "EPERM",
    source: "6.10 order: EVENT_FORK before unknown bits (reference §1)",
  },
  {
    kernel: "6.9",
    mode: "user-mode-only",
    request: ["EVENT_FORK"],
    unknownBit: true,
    result: "EINVAL",
    source: "pre-6.10 order in fs/userfaultfd.c @003fccf2e71c: unknown bits first",
  },
  // Unknown bits, api value.
  { kernel: "6.0.19", root: true, unknownBit: true, result: "ok", source: DROP },
  { kernel: "6.1.25", root: true, api: 0xabn, result: "ok", source: DROP },
  { kernel: "6.1.26", root: true, unknownBit: true, result: "EINVAL", source: DROP },
  { kernel: "6.2.12", root: true, unknownBit: true, result: "ok", source: DROP },
  { kernel: "6.2.13", root: true, unknownBit: true, result: "EINVAL", source: DROP },
  { kernel: "6.3", root: true, api: 0xabn, result: "EINVAL", source: DROP },
  {
    kernel: "4.10",
    root: true,
    request: ["EVENT_REMAP"],
    result: "EINVAL",
    source: "4.3–4.10: API only (reference §2)",
  },
  { kernel: "4.2", root: true, open: "ENOSYS", source: "userfaultfd(2) from 4.3" },
  // The default caller and the sysctl.
  { kernel: "6.8", mode: "syscall", open: "EPERM", cause: "sysctl", source: SYSCTL },
  { kernel: "6.8", mode: "user-mode-only", result: "ok", source: SYSCTL },
  { kernel: "6.8", mode: "syscall", root: true, result: "ok", source: SYSCTL },
  { kernel: "5.10", mode: "syscall", result: "ok", source: SYSCTL },
  {
    kernel: "5.10",
    mode: "user-mode-only",
    open: "EINVAL",
    source: "UFFD_USER_MODE_ONLY from 5.11 (reference §2)",
  },
  { kernel: "5.1", mode: "syscall", result: "ok", source: "no sysctl before 5.2 (reference §2)" },
  { kernel: "6.1", mode: "device", open: "EACCES", cause: "device-permissions", source: DEVICE },
  { kernel: "6.1", mode: "device", root: true, result: "ok", source: DEVICE },
  { kernel: "6.0", mode: "device", root: true, open: "ENOENT", source: DEVICE },
  {
    kernel: "6.8",
    mode: "syscall",
    root: true,
    options: { seccomp: true },
    open: "EPERM",
    cause: "filter",
    source: "Docker's default seccomp profile (reference §2)",
  },
  {
    kernel: "6.8",
    mode: "syscall",
    options: { seccomp: true, seccompErrno: "ENOSYS" },
    open: "ENOSYS",
    cause: "seccomp-enosys",
    source: "seccomp filters answering ENOSYS (issue 12 point 5)",
  },
  {
    kernel: "6.8",
    mode: "user-mode-only",
    options: { lsmDenial: "apparmor" },
    open: "EACCES",
    cause: "lsm",
    source: "LSM hook at anon inode creation (issue 12 point 5)",
  },
  // Distro profiles.
  {
    kernel: "5.4.0-26-generic",
    root: true,
    secondZeroed: false,
    source: `${PROFILE}: Ubuntu 20.04 GA at 5.4.30`,
  },
  {
    kernel: "5.4.0-216-generic",
    root: true,
    secondZeroed: true,
    source: `${PROFILE}: Ubuntu 20.04 at ≥ 5.4.148`,
  },
  {
    kernel: "5.15.0-25-generic",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    source: `${PROFILE}: Ubuntu 22.04 GA at 5.15.30`,
  },
  {
    kernel: "5.15.0-161-generic",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: `${PROFILE}: Ubuntu 22.04 at ≥ 5.15.163`,
  },
  {
    kernel: "6.8.0-88-generic",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    source: `${PROFILE}: Ubuntu 24.04 (6.8.y, no fix)`,
  },
  {
    kernel: "6.8.0-45-generic",
    mode: "syscall",
    open: "EPERM",
    cause: "sysctl",
    source: `${PROFILE}: Ubuntu 24.04 sysctl 0`,
  },
  {
    kernel: "6.14.0-27-generic",
    mode: "user-mode-only",
    request: ["MOVE"],
    result: "ok",
    source: `${PROFILE}: Ubuntu 24.04 HWE`,
  },
  {
    kernel: "5.10.0-35-amd64",
    mode: "syscall",
    result: "ok",
    source: `${PROFILE}: Debian 11, 5.10 sysctl default 1`,
  },
  {
    kernel: "5.10.0-35-amd64",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    returns: ["PAGEFAULT_FLAG_WP"],
    enabled: ["PAGEFAULT_FLAG_WP"],
    source: `${PROFILE}: Debian 11 arm64, 5.10 advertises WP (before the 5.14 mask); ${WP_57}`,
  },
  {
    kernel: "6.1.0-23-amd64",
    arch: "i386",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    source: `${PROFILE}: Debian 12 ABI 23 = 6.1.99`,
  },
  {
    kernel: "6.1.0-25-amd64",
    arch: "i386",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "EINVAL",
    source: `${PROFILE}: Debian 12 ABI 25 = 6.1.106`,
  },
  {
    kernel: "6.1.0-9-amd64",
    root: true,
    unknownBit: true,
    result: "EINVAL",
    source: `${PROFILE}: Debian 12.0 = 6.1.27, after the revert`,
  },
  {
    kernel: "6.12.57+deb13-amd64",
    mode: "device",
    open: "EACCES",
    cause: "device-permissions",
    source: `${PROFILE}: Debian 13`,
  },
  {
    kernel: "4.18.0-553.el8_10.x86_64",
    root: true,
    lacks: ["PAGEFAULT_FLAG_WP"],
    returns: ["THREAD_ID"],
    source: `${PROFILE}: RHEL 8 as 4.18`,
  },
  {
    kernel: "5.14.0-70.13.1.el9_0.x86_64",
    root: true,
    lacks: ["EXACT_ADDRESS"],
    secondZeroed: true,
    source: `${PROFILE}: RHEL 9.0`,
  },
  {
    kernel: "5.14.0-611.5.1.el9_7.x86_64",
    root: true,
    request: ["MOVE"],
    result: "ok",
    returns: ["MOVE", "WP_ASYNC"],
    source: `${PROFILE}: RHEL 9.7 backports (uncertain)`,
  },
  {
    kernel: "5.14.0-611.5.1.el9_7.x86_64",
    arch: "s390x",
    root: true,
    request: ["WP_ASYNC"],
    result: "ok",
    lacks: ["WP_ASYNC"],
    source: `${PROFILE}: RHEL 9 keeps the 5.14 checks (uncertain)`,
  },
  {
    kernel: "6.12.0-124.8.1.el10_1.x86_64",
    mode: "user-mode-only",
    result: "ok",
    source: `${PROFILE}: RHEL 10.1, no denial`,
  },
  {
    kernel: "6.12.0-211.el10_2.x86_64",
    mode: "user-mode-only",
    open: "EACCES",
    cause: "lsm",
    source: `${PROFILE}: RHEL 10.2 SELinux userfaultfd_t`,
  },
  {
    kernel: "6.12.0-211.el10_2.x86_64",
    mode: "device",
    root: true,
    open: "EACCES",
    cause: "lsm",
    source: `${PROFILE}: RHEL 10.2 SELinux userfaultfd_t`,
  },
  {
    kernel: "4.14.355-271.569.amzn2.x86_64",
    mode: "syscall",
    request: ["EVENT_FORK"],
    result: "EPERM",
    source: `${PROFILE}: Amazon Linux 2, real 4.14.355`,
  },
  {
    kernel: "6.1.34-59.116.amzn2023.x86_64",
    root: true,
    unknownBit: true,
    result: "EINVAL",
    source: `${PROFILE}: AL2023, real 6.1.34`,
  },
  {
    kernel: "6.12.40-63.114.amzn2023.aarch64",
    arch: "arm64",
    root: true,
    returns: ["PAGEFAULT_FLAG_WP"],
    source: `${PROFILE}: AL2023 arm64 6.12`,
  },
  {
    kernel: "5.14.21-150500.55.83-default",
    root: true,
    secondZeroed: true,
    source: `${PROFILE}: SLES 15 SP5 at 5.14.21`,
  },
  {
    kernel: "6.4.0-150600.21-default",
    root: true,
    returns: ["WP_UNPOPULATED"],
    lacks: ["POISON"],
    source: `${PROFILE}: SLES 15 SP6 as 6.4`,
  },
  {
    kernel: "5.10.43-android12-9-00001-g1a2b3c4d5e6f",
    arch: "arm64",
    root: true,
    request: ["PAGEFAULT_FLAG_WP"],
    result: "ok",
    returns: ["PAGEFAULT_FLAG_WP"],
    source: `${PROFILE}: GKI 5.10 arm64 advertises WP and never delivers it; ${WP_57}`,
  },
  {
    kernel: "5.15.41-android13-8-00001-g1a2b3c4d5e6f",
    arch: "arm64",
    mode: "user-mode-only",
    result: "ok",
    source: `${PROFILE}: GKI 5.15`,
  },
  {
    kernel: "6.1.25-android14-11-00001-g1a2b3c4d5e6f",
    arch: "arm64",
    root: true,
    unknownBit: true,
    result: "ok",
    source: `${PROFILE}: GKI 6.1.25 drops unknown bits`,
  },
  {
    kernel: "6.6.30-android15-8-00001-g1a2b3c4d5e6f",
    arch: "arm64",
    root: true,
    returns: ["POISON"],
    lacks: ["PAGEFAULT_FLAG_WP", "MOVE"],
    source: `${PROFILE}: GKI 6.6 arm64 (WP from 6.10, MOVE from 6.8)`,
  },
  {
    kernel: "6.12.18-talos",
    mode: "syscall",
    root: true,
    open: "ENOSYS",
    cause: "not-built",
    source: `${PROFILE}: Talos without CONFIG_USERFAULTFD`,
  },
  {
    kernel: "6.12.18-talos",
    mode: "device",
    root: true,
    open: "ENOENT",
    source: `${PROFILE}: Talos, no misc device`,
  },
];

const POLICY = {
  ...POLICY_DEFAULTS,
  required: FeatureSet.of("THREAD_ID"),
  optional: FeatureSet.of(),
  forbidden: FeatureSet.of(),
  oneOf: [],
};
const bits = (names: readonly FeatureName[] = []) => FeatureSet.of(...names).mask;
const FRESH = { closeOnExec: true, nonBlocking: true } as const;
const label = (point: Point) =>
  `${point.kernel} ${point.arch ?? "x86_64"} ${point.root ? "root" : "uid≠0"} ${point.mode ?? "(mode)"} [${(point.request ?? []).join(",")}${point.unknownBit ? "+bit 40" : ""}]`;

// The mode a caller can use on that release by default: syscall before 5.11, user-mode-only after for uid≠0.
function defaultMode(point: Point, backend: ReturnType<typeof mockBackend>): OpenMode {
  if (point.mode) return point.mode;
  if (point.root) return "syscall";
  return backend.open({ mode: "user-mode-only", ...FRESH }).match(
    (fd) => {
      backend.close(fd);
      return "user-mode-only";
    },
    () => "syscall",
  );
}

describe("kernel sources: every boundary and every distro profile", () => {
  it("has at least 80 points and every distro profile among them", () => {
    expect(POINTS.length).toBeGreaterThanOrEqual(80);
    const distros = new Set(
      POINTS.map((point) => mockBackend({ kernel: point.kernel as never }).info.distro),
    );
    expect([...distros].filter(Boolean).length).toBe(15);
  });

  it.each(POINTS.map((point) => [label(point), point] as const))("%s", (_, point) => {
    const backend = mockBackend({
      kernel: point.kernel as MockOptions["kernel"],
      ...(point.arch ? { arch: point.arch } : {}),
      capSysPtrace: point.root === true,
      ...point.options,
    });
    const mode = defaultMode(point, backend);
    const opened = backend.open({ mode, ...FRESH });
    if (point.open) {
      expect(opened._unsafeUnwrapErr().errno, point.source).toBe(point.open);
      const errno = point.open;
      const cause =
        errno === "ENOSYS"
          ? backend.explainUnavailable(mode)
          : errno === "EPERM" || errno === "EACCES"
            ? backend.explainDenial({ op: "open", mode, errno })
            : undefined;
      expect(cause?.kind, point.source).toBe(point.cause);
      return;
    }
    const fd = opened._unsafeUnwrap();
    const features = bits(point.request) | (point.unknownBit ? 1n << 40n : 0n);
    const reply = backend.api(fd, point.api ?? UFFD_API, features);
    expect(reply.isOk() ? "ok" : reply._unsafeUnwrapErr().errno, point.source).toBe(point.result ?? "ok");
    if (reply.isOk()) {
      const returned = reply.value.features;
      expect(returned & bits(point.returns), point.source).toBe(bits(point.returns));
      expect(returned & bits(point.lacks), point.source).toBe(0n);
      if (point.enabled)
        expect(backend.enabledFeatures(fd)._unsafeUnwrap(), point.source).toBe(bits(point.enabled));
      if (point.secondZeroed !== undefined) {
        const again = backend.api(fd, UFFD_API, 0n)._unsafeUnwrapErr();
        expect(again.errno).toBe("EINVAL");
        expect(again.reply.api === 0n, point.source).toBe(point.secondZeroed);
      }
    }
    backend.close(fd);
    expect(backend.openFds()).toEqual([]);
  });

  it("has no distro profile matching a mainline release (distroOf tries none for one)", () => {
    const mainline = DISTRO_PROFILES.flatMap((profile) =>
      profile.kernels.flatMap((kernel) => {
        const [, full = "", series = ""] = /^((\d+\.\d+)(?:\.\d+)?)/.exec(kernel) ?? [];
        return [full, series];
      }),
    );
    expect(mainline).not.toContain("");
    const matched = DISTRO_PROFILES.flatMap((profile) =>
      mainline
        .filter((release) => profile.pattern.test(release))
        .map((release) => `${profile.id} ${release}`),
    );
    expect(matched).toEqual([]);
  });

  it("names the simulated caller, by default uid≠0 without CAP_SYS_PTRACE", () => {
    expect(mockBackend({ kernel: "6.8" }).info.simulating).toBe(
      "simulating uid≠0 without CAP_SYS_PTRACE on 6.8 (x86_64)",
    );
    expect(mockBackend({ kernel: "6.8", capSysPtrace: true }).info.simulating).toContain(
      "root with CAP_SYS_PTRACE",
    );
    expect(mockBackend({ kernel: "5.14.0-611.5.1.el9_7.x86_64" }).info.simulating).toContain("RHEL 9");
  });

  it("falls back to mainline for an unknown vendor suffix and says so", () => {
    const backend = mockBackend({ kernel: "6.18.44-fc-v1045" });
    expect(backend.info.distro).toBeUndefined();
    expect(backend.info.warnings).toEqual([expect.stringContaining("simulates mainline 6.18.44")]);
    expect(mockBackend({ kernel: "6.18.44" }).info.warnings).toEqual([]);
  });

  it("reports RHEL 10.2's SELinux denial as the cause of a failed negotiation, with its fix", () => {
    const result = negotiate(POLICY, { backend: mockBackend({ kernel: "6.12.0-211.el10_2.x86_64" }) });
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe("permission-denied");
    if (error.kind === "permission-denied") {
      expect(error.cause.kind).toBe("lsm");
      expect(error.hint).toContain("SELinux");
    }
  });

  it("says a Talos kernel was built without userfaultfd, not that it is gVisor", () => {
    const result = negotiate(POLICY, {
      backend: mockBackend({ kernel: "6.12.18-talos", capSysPtrace: true }),
    });
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe("unsupported");
    expect(error.message).toContain("CONFIG_USERFAULTFD");
    expect(error.message).not.toContain("gVisor");
  });
});

describe("arch table (reference §5; include/uapi/linux/userfaultfd.h)", () => {
  const EXPECTED: Record<string, readonly [number, number]> = {
    x86_64: [323, 0xaa00],
    i386: [374, 0xaa00],
    arm64: [282, 0xaa00],
    arm: [388, 0xaa00],
    riscv64: [282, 0xaa00],
    ppc64le: [364, 0x2000aa00],
    s390x: [355, 0xaa00],
    loongarch64: [282, 0xaa00],
  };
  it.each(ARCHES.map((arch) => [arch.name, arch] as const))(
    "%s: syscall and USERFAULTFD_IOC_NEW",
    (name, arch) => {
      expect([arch.userfaultfd, arch.ioctlNew]).toEqual(EXPECTED[name]);
    },
  );
});

import { type Errno, type OpenMode, UFFD_API } from "@negotiate/core";
import { MOCK_ARCHES, type MockArch, type MockBackend, mockBackend } from "@negotiate/mock";
import { describe, expect, it } from "vitest";

// Expectations written from the reference (§2–§4), independently of the mock's tables.

interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

const parse = (release: string): Version => {
  const [major = 0, minor = 0, patch = 0] = release.split(".").map(Number);
  return { major, minor, patch };
};
const atLeast = (v: Version, release: string): boolean => {
  const t = parse(release);
  return (v.major - t.major || v.minor - t.minor || v.patch - t.patch) >= 0;
};
const series = (v: Version, major: number, minor: number) => v.major === major && v.minor === minor;

// §4: bit → first release.
const SINCE: readonly (readonly [number, string])[] = [
  [0, "5.7"],
  [1, "4.11"],
  [2, "4.11"],
  [3, "4.11"],
  [4, "4.11"],
  [5, "4.11"],
  [6, "4.11"],
  [7, "4.14"],
  [8, "4.14"],
  [9, "5.13"],
  [10, "5.14"],
  [11, "5.18"],
  [12, "5.19"],
  [13, "6.4"],
  [14, "6.6"],
  [15, "6.7"],
  [16, "6.8"],
];
const WP_BITS = (1n << 0n) | (1n << 12n) | (1n << 13n) | (1n << 15n);
const MINOR_BITS = (1n << 9n) | (1n << 10n);
const EVENT_FORK = 1n << 1n;
const PAGEFAULT_FLAG_WP = 1n << 0n;
const UNKNOWN_BIT = 1n << 40n;

const known = (v: Version) =>
  SINCE.reduce((mask, [bit, since]) => (atLeast(v, since) ? mask | (1n << BigInt(bit)) : mask), 0n);

// §3 as corrected (§7): masking begins with MINOR in 5.13 and WP in 5.14 (before, every arch advertises WP).
// x86_64 has everything; arm64 gains uffd-wp in 6.10; riscv64 has minor faults from 6.5 and no uffd-wp without
// its CPU extension; loongarch64 has minor faults from 6.9; the rest have neither.
function masked(arch: MockArch, v: Version): bigint {
  const wp = atLeast(v, "5.14") ? WP_BITS : 0n;
  const minor = atLeast(v, "5.13") ? MINOR_BITS : 0n;
  switch (arch) {
    case "x86_64":
      return 0n;
    case "arm64":
      return atLeast(v, "6.10") ? 0n : wp;
    case "riscv64":
      return wp | (atLeast(v, "6.5") ? 0n : minor);
    case "loongarch64":
      return wp | (atLeast(v, "6.9") ? 0n : minor);
    default:
      return wp | minor;
  }
}

const supported = (arch: MockArch, v: Version) => known(v) & ~masked(arch, v);
// riscv64 was merged in 4.15 and loongarch64 in 5.19, with the syscall.
const ARCH_SINCE: Partial<Record<MockArch, string>> = { riscv64: "4.15", loongarch64: "5.19" };
const hasUserfaultfd = (v: Version, arch: MockArch = "x86_64") => atLeast(v, ARCH_SINCE[arch] ?? "4.3");
// 6.0.y, 6.1.0–6.1.25, 6.2.0–6.2.12.
const dropsUnknown = (v: Version) =>
  series(v, 6, 0) || (series(v, 6, 1) && v.patch < 26) || (series(v, 6, 2) && v.patch < 13);
// 5.5 mainline, and the stable backports.
const forkNeedsCap = (v: Version) =>
  atLeast(v, "5.5") ||
  (series(v, 4, 14) && v.patch >= 162) ||
  (series(v, 4, 19) && v.patch >= 93) ||
  (series(v, 5, 4) && v.patch >= 8);
// 6.10, and 6.9.y/6.6.y/6.1.y/5.15.y stable (not 5.10.y).
const rejectsMasked = (v: Version) =>
  atLeast(v, "6.10") ||
  (series(v, 6, 9) && v.patch >= 10) ||
  (series(v, 6, 6) && v.patch >= 41) ||
  (series(v, 6, 1) && v.patch >= 100) ||
  (series(v, 5, 15) && v.patch >= 163);

const MAINLINE = [
  ...Array.from({ length: 19 }, (_, minor) => `4.${minor + 2}`),
  ...Array.from({ length: 20 }, (_, minor) => `5.${minor}`),
  ...Array.from({ length: 20 }, (_, minor) => `6.${minor}`),
];
const STABLE = [
  "4.14.161",
  "4.14.162",
  "4.19.92",
  "4.19.93",
  "5.4.7",
  "5.4.8",
  "5.4.147",
  "5.4.148",
  "5.14.5",
  "5.14.6",
  "5.10.226",
  "5.15.162",
  "5.15.163",
  "6.0.19",
  "6.1.20",
  "6.1.25",
  "6.1.26",
  "6.1.99",
  "6.1.100",
  "6.2.12",
  "6.2.13",
  "6.6.40",
  "6.6.41",
  "6.9.9",
  "6.9.10",
];
const RELEASES = [...MAINLINE, ...STABLE];

type Outcome = "ok" | Errno;
const FRESH = { closeOnExec: true, nonBlocking: true } as const;

function openOutcome(backend: MockBackend, mode: OpenMode): Outcome {
  const opened = backend.open({ mode, ...FRESH });
  if (opened.isErr()) return opened.error.errno;
  backend.close(opened.value);
  return "ok";
}

// The errno of one request on a fresh fd of `mode`, and what it left enabled.
function request(backend: MockBackend, mode: OpenMode, features: bigint) {
  const fd = backend.open({ mode, ...FRESH })._unsafeUnwrap();
  const reply = backend.api(fd, UFFD_API, features);
  const enabled = backend.enabledFeatures(fd)._unsafeUnwrap();
  backend.close(fd);
  return { outcome: reply.isOk() ? "ok" : reply.error.errno, reply, enabled };
}

const CASES = RELEASES.flatMap((release) => MOCK_ARCHES.map((arch) => ({ release, arch })));

describe.each(CASES)("kernel $release on $arch", ({ release, arch }) => {
  const v = parse(release);
  const kernel = release as `${number}.${number}`;
  const unprivileged = mockBackend({ kernel, arch });
  const privileged = mockBackend({ kernel, arch, capSysPtrace: true });
  // The mode an unprivileged caller can use with the default sysctl: syscall until 5.10, user-mode-only after.
  const mode: OpenMode = atLeast(v, "5.11") ? "user-mode-only" : "syscall";

  it("creates uffds as §2 and §5 say, unprivileged and privileged", () => {
    const expectedUnprivileged = {
      syscall: !hasUserfaultfd(v, arch) ? "ENOSYS" : atLeast(v, "5.11") ? "EPERM" : "ok",
      device: atLeast(v, "6.1") ? "EACCES" : "ENOENT",
      "user-mode-only": !hasUserfaultfd(v, arch) ? "ENOSYS" : atLeast(v, "5.11") ? "ok" : "EINVAL",
    };
    const expectedPrivileged = {
      syscall: hasUserfaultfd(v, arch) ? "ok" : "ENOSYS",
      device: atLeast(v, "6.1") ? "ok" : "ENOENT",
      "user-mode-only": expectedUnprivileged["user-mode-only"],
    };
    const outcomes = (backend: MockBackend) => ({
      syscall: openOutcome(backend, "syscall"),
      device: openOutcome(backend, "device"),
      "user-mode-only": openOutcome(backend, "user-mode-only"),
    });
    expect(outcomes(unprivileged)).toEqual(expectedUnprivileged);
    expect(outcomes(privileged)).toEqual(expectedPrivileged);
  });

  it.runIf(hasUserfaultfd(v, arch))("returns the supported set of §3–§4 for features = 0", () => {
    const { reply } = request(unprivileged, mode, 0n);
    expect(reply._unsafeUnwrap().features.toString(16)).toBe(supported(arch, v).toString(16));
  });

  it.runIf(hasUserfaultfd(v, arch))("answers a request with an unknown bit", () => {
    const { outcome, enabled } = request(privileged, "syscall", UNKNOWN_BIT);
    expect(outcome).toBe(dropsUnknown(v) ? "ok" : "EINVAL");
    expect(enabled & UNKNOWN_BIT).toBe(0n);
  });

  it.runIf(hasUserfaultfd(v, arch))("answers EVENT_FORK from a caller without CAP_SYS_PTRACE", () => {
    const expected = !atLeast(v, "4.11") ? "EINVAL" : forkNeedsCap(v) ? "EPERM" : "ok";
    const { outcome, enabled } = request(unprivileged, mode, EVENT_FORK);
    expect(outcome).toBe(expected);
    expect(enabled).toBe(expected === "ok" ? EVENT_FORK : 0n);
    if (atLeast(v, "4.11")) expect(request(privileged, "syscall", EVENT_FORK).outcome).toBe("ok");
  });

  it.runIf(hasUserfaultfd(v, arch))("answers a request for uffd-wp (PAGEFAULT_FLAG_WP)", () => {
    const isMasked = atLeast(v, "5.7") && (masked(arch, v) & PAGEFAULT_FLAG_WP) !== 0n;
    const expected = !atLeast(v, "5.7") || (isMasked && rejectsMasked(v)) ? "EINVAL" : "ok";
    const { outcome, reply } = request(privileged, "syscall", PAGEFAULT_FLAG_WP);
    expect(outcome).toBe(expected);
    // Accepted silently: success, yet the bit is not in the returned set.
    if (reply.isOk()) expect((reply.value.features & PAGEFAULT_FLAG_WP) !== 0n).toBe(!isMasked);
  });
});

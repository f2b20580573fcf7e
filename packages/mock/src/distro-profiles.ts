import type { KernelQuirks } from "./mock-options.js";

/** One fact a profile models, with where it comes from (`uncertain: …` says what would settle it). */
export interface DistroFact {
  readonly fact: string;
  readonly source: string;
}

/** From which vendor key (ABI number or minor release, see `DistroProfile.key`) a value holds. */
export interface FromKey<T> {
  readonly from: number;
  readonly value: T;
}

/**
 * A distro kernel line recognised from the `uname -r` it prints. The mock simulates it as its mainline series
 * at the stable patch level the vendor tree carries, with the vendor's backports, config and defaults.
 */
export interface DistroProfile {
  readonly id: string;
  readonly name: string;
  /**
   * Matches `uname -r`; group `key` (when present) is the ABI number or minor release the tables below use. Never
   * matches a mainline release without suffix (`6.8`, `6.1.25`): `distroOf` tries no pattern for one.
   */
  readonly pattern: RegExp;
  /** The stable patch level of the series, by key, for `x.y.0-ABI` strings that do not carry it. */
  readonly stablePatch?: readonly FromKey<number>[];
  /** Features backported ahead of the series: the catalogue as of this mainline release, by key. */
  readonly featuresAsOf?: readonly FromKey<string>[];
  readonly quirks?: KernelQuirks;
  /** CONFIG_USERFAULTFD. */
  readonly configUserfaultfd: boolean;
  /** A security module denies creating a uffd, from this key on. */
  readonly lsmDenial?: FromKey<"selinux" | "apparmor">;
  /** `uname -r` of the line's kernels over time, oldest first (what `matrix --distros` runs). */
  readonly kernels: readonly string[];
  readonly facts: readonly DistroFact[];
}

const UNCERTAIN_ABI =
  "uncertain: ABI → stable mapping from memory; settle with the package changelog of that ABI";
const DEVICE_DEFAULT: DistroFact = {
  fact: "/dev/userfaultfd (6.1+) is 0600 root: misc device without a mode, no udev rule shipped",
  source: "uncertain: settle with `ls -l /dev/userfaultfd` on a fresh install",
};
const SYSCTL_DEFAULT: DistroFact = {
  fact: "vm.unprivileged_userfaultfd at the mainline default (1 on 5.2–5.10, 0 from 5.11)",
  source: "uncertain: settle with `sysctl vm.unprivileged_userfaultfd` on a fresh install",
};
const UBUNTU = "-(?:generic|lowlatency|aws|azure|gcp|gke|oracle|kvm|raspi)(?:-64k)?$";
const DEBIAN =
  "-(?:amd64|arm64|armmp(?:-lpae)?|686(?:-pae)?|cloud-amd64|cloud-arm64|rt-amd64|rt-arm64|powerpc64le|s390x|loong64)$";
const RHEL_MINOR = String.raw`(?:\.\d+)*\.el(\d+)(?:_(?<key>\d+))?\.(?:x86_64|aarch64|ppc64le|s390x)$`;

/**
 * The distro kernels people run. Facts not read in a source are marked uncertain with what would settle
 * them; docs/kernel-sources.md repeats them.
 */
export const DISTRO_PROFILES: readonly DistroProfile[] = [
  {
    id: "ubuntu-20.04",
    name: "Ubuntu 20.04 (GA 5.4)",
    pattern: new RegExp(String.raw`^5\.4\.0-(?<key>\d+)${UBUNTU}`),
    stablePatch: [
      { from: 0, value: 30 },
      { from: 89, value: 148 },
    ],
    configUserfaultfd: true,
    kernels: ["5.4.0-26-generic", "5.4.0-216-generic"],
    facts: [
      {
        fact: "tracks 5.4.y: the 22e5fe2a2a27 zeroing backport (5.4.148) from ABI 89",
        source: UNCERTAIN_ABI,
      },
      SYSCTL_DEFAULT,
    ],
  },
  {
    id: "ubuntu-22.04",
    name: "Ubuntu 22.04 GA / 20.04 HWE (5.15)",
    pattern: new RegExp(String.raw`^5\.15\.0-(?<key>\d+)${UBUNTU}`),
    stablePatch: [
      { from: 0, value: 30 },
      { from: 119, value: 163 },
    ],
    configUserfaultfd: true,
    kernels: ["5.15.0-25-generic", "5.15.0-161-generic"],
    facts: [
      {
        fact: "20.04 HWE and 22.04 GA print the same 5.15.0-N-generic: one profile serves both",
        source: "Ubuntu kernel release cycle (uncertain: from memory)",
      },
      { fact: "the 6.10 masked-bit check (5.15.163) from ABI 119", source: UNCERTAIN_ABI },
      SYSCTL_DEFAULT,
    ],
  },
  {
    id: "ubuntu-24.04",
    name: "Ubuntu 24.04 GA / 22.04 HWE (6.8)",
    pattern: new RegExp(String.raw`^6\.8\.0-(?<key>\d+)${UBUNTU}`),
    stablePatch: [
      { from: 0, value: 1 },
      { from: 40, value: 12 },
    ],
    configUserfaultfd: true,
    kernels: ["6.8.0-31-generic", "6.8.0-88-generic"],
    facts: [
      {
        fact: "6.8.y ended at 6.8.12 without the 6.10 masked-bit check: masked bits stay accepted silently",
        source: "uncertain: settle by reading fs/userfaultfd.c in the noble kernel tree",
      },
      SYSCTL_DEFAULT,
      DEVICE_DEFAULT,
    ],
  },
  {
    id: "ubuntu-24.04-hwe",
    name: "Ubuntu 24.04 HWE (6.11 / 6.14 / 6.17)",
    pattern: new RegExp(String.raw`^6\.(?:11|14|17)\.0-(?<key>\d+)${UBUNTU}`),
    configUserfaultfd: true,
    kernels: ["6.11.0-17-generic", "6.14.0-27-generic", "6.17.0-8-generic"],
    facts: [
      { fact: "HWE series 6.11, 6.14, 6.17", source: "uncertain: Ubuntu kernel release cycle, from memory" },
      SYSCTL_DEFAULT,
      DEVICE_DEFAULT,
    ],
  },
  {
    id: "debian-11",
    name: "Debian 11 bullseye (5.10)",
    pattern: new RegExp(String.raw`^5\.10\.0-(?<key>\d+)${DEBIAN}`),
    stablePatch: [
      { from: 0, value: 46 },
      { from: 30, value: 218 },
    ],
    configUserfaultfd: true,
    kernels: ["5.10.0-8-amd64", "5.10.0-35-amd64"],
    facts: [
      {
        fact: "5.10.y never got the 6.10 masked-bit check: masked bits accepted silently",
        source: "reference §2 (NOT 5.10.y)",
      },
      SYSCTL_DEFAULT,
    ],
  },
  {
    id: "debian-12",
    name: "Debian 12 bookworm (6.1)",
    pattern: new RegExp(String.raw`^6\.1\.0-(?<key>\d+)${DEBIAN}`),
    stablePatch: [
      { from: 0, value: 27 },
      { from: 25, value: 106 },
    ],
    configUserfaultfd: true,
    kernels: ["6.1.0-9-amd64", "6.1.0-23-amd64", "6.1.0-25-amd64", "6.1.0-41-amd64"],
    facts: [
      {
        fact: "12.0 shipped 6.1.27: never the 6.1.0–6.1.25 unknown-bit drop; the 6.1.100 masked-bit check from ABI 25",
        source: UNCERTAIN_ABI,
      },
      SYSCTL_DEFAULT,
      DEVICE_DEFAULT,
    ],
  },
  {
    id: "debian-13",
    name: "Debian 13 trixie (6.12)",
    pattern: /^6\.12\.\d+\+deb13(?:u\d+)?-/,
    configUserfaultfd: true,
    kernels: ["6.12.38+deb13-amd64", "6.12.57+deb13-amd64"],
    facts: [
      {
        fact: "uname -r carries the real stable patch level (6.12.N+deb13)",
        source: "uncertain: from memory",
      },
      SYSCTL_DEFAULT,
      DEVICE_DEFAULT,
    ],
  },
  {
    id: "rhel-8",
    name: "RHEL 8 (4.18)",
    pattern: new RegExp(String.raw`^4\.18\.0-\d+${RHEL_MINOR}`),
    configUserfaultfd: true,
    kernels: ["4.18.0-80.el8.x86_64", "4.18.0-553.el8_10.x86_64"],
    facts: [
      {
        fact: "modelled as mainline 4.18 (first feature bits, no sysctl, EVENT_FORK unchecked)",
        source:
          "uncertain: RHEL 8 backports mm fixes; settle with fs/userfaultfd.c of kernel-4.18.0-553 (CentOS Stream 8)",
      },
    ],
  },
  {
    id: "rhel-9",
    name: "RHEL 9 (5.14 with backports)",
    pattern: new RegExp(String.raw`^5\.14\.0-\d+${RHEL_MINOR}`),
    stablePatch: [{ from: 0, value: 21 }],
    featuresAsOf: [
      { from: 0, value: "5.14" },
      { from: 2, value: "5.19" },
      { from: 4, value: "6.4" },
      { from: 6, value: "6.8" },
    ],
    configUserfaultfd: true,
    kernels: [
      "5.14.0-70.13.1.el9_0.x86_64",
      "5.14.0-284.11.1.el9_2.x86_64",
      "5.14.0-427.13.1.el9_4.x86_64",
      "5.14.0-570.12.1.el9_6.x86_64",
      "5.14.0-611.5.1.el9_7.x86_64",
    ],
    facts: [
      {
        fact: "carries 5.14.y fixes (the 22e5fe2a2a27 zeroing); checks in UFFDIO_API as 5.14 (masked bits accepted silently)",
        source: "uncertain: settle with fs/userfaultfd.c of kernel-5.14.0-611 (CentOS Stream 9)",
      },
      {
        fact: "mm rebases bring feature bits per minor: 9.2 as 5.19, 9.4 as 6.4, 9.6 as 6.8",
        source: "uncertain: settle with include/uapi/linux/userfaultfd.h of each minor's kernel",
      },
      SYSCTL_DEFAULT,
    ],
  },
  {
    id: "rhel-10",
    name: "RHEL 10 (6.12)",
    pattern: new RegExp(String.raw`^6\.12\.0-\d+${RHEL_MINOR}`),
    configUserfaultfd: true,
    lsmDenial: { from: 2, value: "selinux" },
    kernels: ["6.12.0-55.9.1.el10_0.x86_64", "6.12.0-124.8.1.el10_1.x86_64", "6.12.0-211.el10_2.x86_64"],
    facts: [
      {
        fact: "from 10.2 the SELinux policy denies creating userfaultfd_t anon inodes (EACCES in every mode)",
        source:
          "issue 12 (uncertain: which domains are denied; settle with `sesearch -A -t userfaultfd_t` on RHEL 10.2)",
      },
      SYSCTL_DEFAULT,
      DEVICE_DEFAULT,
    ],
  },
  {
    id: "amazon-linux-2",
    name: "Amazon Linux 2",
    pattern: /\.amzn2\.(?:x86_64|aarch64)$/,
    configUserfaultfd: true,
    kernels: ["4.14.355-271.569.amzn2.x86_64", "5.10.240-238.955.amzn2.x86_64"],
    facts: [
      {
        fact: "uname -r carries the real stable release (4.14.y, 5.4.y, 5.10.y, 5.15.y)",
        source: "uncertain: from memory",
      },
      SYSCTL_DEFAULT,
    ],
  },
  {
    id: "amazon-linux-2023",
    name: "Amazon Linux 2023",
    pattern: /\.amzn2023\.(?:x86_64|aarch64)$/,
    configUserfaultfd: true,
    kernels: ["6.1.34-59.116.amzn2023.x86_64", "6.12.40-63.114.amzn2023.x86_64"],
    facts: [
      { fact: "uname -r carries the real stable release (6.1.y, 6.12.y)", source: "uncertain: from memory" },
      SYSCTL_DEFAULT,
      DEVICE_DEFAULT,
    ],
  },
  {
    id: "sles-15",
    name: "SLES 15 (SP2–SP7)",
    pattern: /^(?:5\.3\.18|5\.14\.21|6\.4\.0)-\d+(?:\.\d+)*-(?:default|azure|rt|64kb)$/,
    configUserfaultfd: true,
    kernels: ["5.3.18-22-default", "5.14.21-150400.22-default", "6.4.0-150600.21-default"],
    facts: [
      {
        fact: "modelled as the mainline release printed (5.3.18, 5.14.21, 6.4.0) without SUSE's backports",
        source: "uncertain: settle with fs/userfaultfd.c of the SUSE kernel-source package per SP",
      },
      SYSCTL_DEFAULT,
    ],
  },
  {
    id: "android-gki",
    name: "Android GKI (5.10 / 5.15 / 6.1 / 6.6)",
    pattern: /^(?:5\.10|5\.15|6\.1|6\.6)\.\d+-android1[2-5]-/,
    configUserfaultfd: true,
    kernels: [
      "5.10.43-android12-9-00001-g1a2b3c4d5e6f",
      "5.15.41-android13-8-00001-g1a2b3c4d5e6f",
      "6.1.25-android14-11-00001-g1a2b3c4d5e6f",
      "6.6.30-android15-8-00001-g1a2b3c4d5e6f",
    ],
    facts: [
      {
        fact: "GKI builds CONFIG_USERFAULTFD (ART's GC uses it) and tracks the real stable patch level printed",
        source: "uncertain: settle with gki_defconfig of each android1N-X.Y branch",
      },
      {
        fact: "android14-6.1 kernels below 6.1.26 inherit the unknown-bit drop",
        source: "reference §2 (6.1.0–6.1.25), applied by patch level",
      },
    ],
  },
  {
    id: "talos",
    name: "Talos Linux",
    pattern: /-talos$/,
    configUserfaultfd: false,
    kernels: ["6.6.58-talos", "6.12.18-talos"],
    facts: [
      {
        fact: "built without CONFIG_USERFAULTFD: ENOSYS in every syscall mode, no /dev/userfaultfd",
        source: "issue 12 (uncertain: settle with /proc/config.gz on a Talos node)",
      },
    ],
  },
];

// What a kernel.org build prints, and the mock's default: no profile's.
const MAINLINE_RELEASE = /^\d+\.\d+(?:\.\d+)?$/;

/** The distro profile a `uname -r` string belongs to, with its key, or `undefined`. */
export function distroOf(
  release: string,
): { readonly profile: DistroProfile; readonly key: number } | undefined {
  // Compiling the profiles' patterns on their first match costs a mock's start-up ~2 ms: a mainline release,
  // what most mocks simulate, is told apart without them.
  if (MAINLINE_RELEASE.test(release)) return undefined;
  for (const profile of DISTRO_PROFILES) {
    const match = profile.pattern.exec(release);
    if (match) return { profile, key: Number(match.groups?.key ?? 0) };
  }
  return undefined;
}

/** The value of a keyed table at `key`: the last row whose `from` is at most `key`. */
export function atKey<T>(rows: readonly FromKey<T>[] | undefined, key: number): T | undefined {
  let value: T | undefined;
  for (const row of rows ?? []) if (row.from <= key) value = row.value;
  return value;
}

import type { LandlockMockOptions } from "./landlock-mock-options.js";

/** A named environment: what it stands for and the options that simulate it. */
export interface LandlockMockScenario {
  readonly description: string;
  readonly options: LandlockMockOptions;
  /** Where the fact comes from: the reference's section, or `uncertain: …`. */
  readonly source: string;
}

const REF7 = "landlock reference §7";

// The Landlock reference §7 (distribution kernels and sandboxes).
/** Environments apps commonly meet, for Landlock. Every one is an unprivileged process unless said otherwise. */
export const LANDLOCK_MOCK_SCENARIOS = {
  "ubuntu-22.04": {
    description: "Ubuntu 22.04 (5.15): Landlock ABI 1, filesystem rights without REFER",
    options: { kernel: "5.15.0-124-generic" },
    source: REF7,
  },
  "ubuntu-22.04-hwe": {
    description: "Ubuntu 22.04 with the HWE kernel (6.8): ABI 4, TCP rights",
    options: { kernel: "6.8.0-45-generic" },
    source: REF7,
  },
  "ubuntu-24.04": {
    description: "Ubuntu 24.04 (6.8): ABI 4",
    options: { kernel: "6.8.0-45-generic" },
    source: REF7,
  },
  "ubuntu-24.04-hwe": {
    description: "Ubuntu 24.04 with the HWE kernel (6.17): ABI 7, scopes and the ERRATA query",
    options: { kernel: "6.17.0-5-generic" },
    source: `${REF7}; errata by the mainline 6.17 rows of §4 (1, 2)`,
  },
  "debian-12": {
    description: "Debian 12 (6.1): ABI 2",
    options: { kernel: "6.1.0-26-amd64" },
    source: REF7,
  },
  "debian-13": {
    description: "Debian 13 (6.12): ABI 6",
    options: { kernel: "6.12.38-amd64" },
    source: REF7,
  },
  "rhel-9.6": {
    description: "RHEL 9.6 (5.14.0-570): backports report ABI 5",
    // The release names the vendor kernel: LANDLOCK_DISTRO_FACTS and the core's LANDLOCK_QUIRKS apply.
    options: { kernel: "5.14.0-570.el9.x86_64" },
    source: REF7,
  },
  "rhel-9.7": {
    description:
      "RHEL 9.7 (5.14.0-611): reports ABI 6 but answers EINVAL for the ABSTRACT_UNIX_SOCKET scope of ABI 6",
    options: { kernel: "5.14.0-611.el9.x86_64" },
    source: `${REF7} (5.14.0-603 and later, 611 seen; end of the range uncertain)`,
  },
  gvisor: {
    description: "gVisor (runsc): no Landlock, every call ENOSYS",
    options: { kernel: "4.4.0", build: "not-built" },
    source: REF7,
  },
  "docker-old-eperm": {
    description:
      "a container under a Docker seccomp profile older than 20.10.18 / 23.0: the calls answer EPERM",
    options: { kernel: "6.8.0-45-generic", filter: "EPERM" },
    source: `${REF7} (Docker before 20.10.18 / 23.0; uncertain patch)`,
  },
  "docker-old-enosys": {
    description: "a container under an old runc profile that answers unknown syscalls with ENOSYS",
    options: { kernel: "6.8.0-45-generic", filter: "ENOSYS" },
    source: `${REF7} (runc default errno for unknown syscalls; uncertain)`,
  },
  "lsm-without-landlock": {
    description: "a kernel built with Landlock but booted with an lsm= list that leaves it out: EOPNOTSUPP",
    options: { kernel: "6.12.38-amd64", build: "not-in-lsm" },
    source: `${REF7}; §2 check 1`,
  },
  "this-host-root": {
    description: "this project's host as root: 6.18, ABI 7, errata 7",
    options: { kernel: "6.18.44", capSysAdmin: true },
    source: "landlock reference §8",
  },
  "this-host-unprivileged": {
    description: "this project's host as uid 65534 without capabilities: restrict needs no_new_privs (EPERM)",
    options: { kernel: "6.18.44" },
    source: "landlock reference §8",
  },
  "wsl2-6.6": {
    description: "WSL2 with Microsoft's 6.6 kernel: ABI 3, filesystem rights up to TRUNCATE",
    options: { kernel: "6.6.87.2-microsoft-standard-WSL2" },
    source: REF7,
  },
  "wsl2-6.18": {
    description: "WSL2 with Microsoft's 6.18 kernel: ABI 7",
    options: { kernel: "6.18.5-microsoft-standard-WSL2" },
    source: REF7,
  },
  "android-gki": {
    description: "Android GKI (6.6, android15): Landlock not built in the GKI defconfig, every call ENOSYS",
    options: { kernel: "6.6.50-android15-8-g0123456789ab", build: "not-built" },
    source: `${REF7} (the defconfig read; an app's seccomp filter may kill the probe with SIGSYS, uncertain)`,
  },
  "fedora-42": {
    description: "Fedora 42 (6.14): Landlock on, the ABI of its kernel (6)",
    options: { kernel: "6.14.0-63.fc42.x86_64" },
    source: `${REF7} (on, ABI of kernel)`,
  },
  "stable-errata-backport": {
    description:
      "a 6.12 stable kernel with the spring 2025 backport of the ERRATA query: ABI 6, errata 1 and 2",
    options: { kernel: "6.12.30", errata: 0x3n },
    source: "landlock reference §3 (ERRATA backport; uncertain which branches), §4",
  },
  "stable-5.15-layers-backport": {
    description: "a 5.15 stable kernel with the 16-layer limit backported: ABI 1, 16 layers",
    options: { kernel: "5.15.170", quirks: { layerLimit: 16 } },
    source: "landlock reference §3 (16 from 5.19 and stable backports; uncertain which)",
  },
} as const satisfies Record<string, LandlockMockScenario>;

export type LandlockMockScenarioName = keyof typeof LANDLOCK_MOCK_SCENARIOS;

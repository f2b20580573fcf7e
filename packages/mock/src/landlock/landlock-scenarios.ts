import type { LandlockMockOptions } from "./landlock-mock-options.js";

/** A named environment: what it stands for and the options that simulate it. */
export interface LandlockMockScenario {
  readonly description: string;
  readonly options: LandlockMockOptions;
}

// The Landlock reference §7 (distribution kernels and sandboxes).
/** Environments apps commonly meet, for Landlock. Every one is an unprivileged process unless said otherwise. */
export const LANDLOCK_MOCK_SCENARIOS = {
  "ubuntu-22.04": {
    description: "Ubuntu 22.04 (5.15): Landlock ABI 1, filesystem rights without REFER",
    options: { kernel: "5.15.0-124-generic" },
  },
  "ubuntu-22.04-hwe": {
    description: "Ubuntu 22.04 with the HWE kernel (6.8): ABI 4, TCP rights",
    options: { kernel: "6.8.0-45-generic" },
  },
  "ubuntu-24.04": {
    description: "Ubuntu 24.04 (6.8): ABI 4",
    options: { kernel: "6.8.0-45-generic" },
  },
  "ubuntu-24.04-hwe": {
    description: "Ubuntu 24.04 with the HWE kernel (6.17): ABI 7, scopes and the ERRATA query",
    options: { kernel: "6.17.0-5-generic" },
  },
  "debian-12": {
    description: "Debian 12 (6.1): ABI 2",
    options: { kernel: "6.1.0-26-amd64" },
  },
  "debian-13": {
    description: "Debian 13 (6.12): ABI 6",
    options: { kernel: "6.12.38-amd64" },
  },
  "rhel-9.6": {
    description: "RHEL 9.6 (5.14.0-570): backports report ABI 5",
    options: { kernel: "5.14.0-570.el9.x86_64", quirks: { abi: 5 } },
  },
  "rhel-9.7": {
    description:
      "RHEL 9.7 (5.14.0-611): reports ABI 6 but answers EINVAL for the ABSTRACT_UNIX_SOCKET scope of ABI 6",
    options: { kernel: "5.14.0-611.el9.x86_64", quirks: { abi: 6, rejectedScopes: 0x1n } },
  },
  gvisor: {
    description: "gVisor (runsc): no Landlock, every call ENOSYS",
    options: { kernel: "4.4.0", build: "not-built" },
  },
  "docker-old-eperm": {
    description:
      "a container under a Docker seccomp profile older than 20.10.18 / 23.0: the calls answer EPERM",
    options: { kernel: "6.8.0-45-generic", filter: "EPERM" },
  },
  "docker-old-enosys": {
    description: "a container under an old runc profile that answers unknown syscalls with ENOSYS",
    options: { kernel: "6.8.0-45-generic", filter: "ENOSYS" },
  },
  "lsm-without-landlock": {
    description: "a kernel built with Landlock but booted with an lsm= list that leaves it out: EOPNOTSUPP",
    options: { kernel: "6.12.38-amd64", build: "not-in-lsm" },
  },
  "this-host-root": {
    description: "this project's host as root: 6.18, ABI 7, errata 7",
    options: { kernel: "6.18.44", capSysAdmin: true },
  },
} as const satisfies Record<string, LandlockMockScenario>;

export type LandlockMockScenarioName = keyof typeof LANDLOCK_MOCK_SCENARIOS;

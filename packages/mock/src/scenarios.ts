import { SimulatedBackend } from "./mock-backend.js";
import type { MockBackend, MockOptions } from "./mock-options.js";
import { modelFromOptions } from "./simulated-kernel.js";

/** A named environment: what it stands for and the options that simulate it. */
export interface MockScenario {
  readonly description: string;
  readonly options: MockOptions;
}

const UBUNTU_24_04 = "6.8.0-45-generic";

/** Environments apps commonly meet, ready to negotiate against. */
export const MOCK_SCENARIOS = {
  "docker-default": {
    description:
      "a container under Docker's default seccomp profile (Ubuntu 24.04 host): userfaultfd(2) is EPERM, and /dev/userfaultfd is not in the container",
    options: { kernel: UBUNTU_24_04, seccomp: true, device: "absent" },
  },
  "docker-cap-sys-ptrace": {
    description:
      "the same container with --cap-add SYS_PTRACE: the seccomp profile still answers EPERM, the capability only matters for EVENT_FORK",
    options: { kernel: UBUNTU_24_04, seccomp: true, device: "absent", capSysPtrace: true },
  },
  gvisor: {
    description: "gVisor (runsc), which reports kernel 4.4.0 and implements no userfaultfd: ENOSYS",
    options: { kernel: "4.4.0", sandbox: true },
  },
  "unprivileged-desktop": {
    description:
      "a desktop user on Ubuntu 24.04: vm.unprivileged_userfaultfd = 0 and /dev/userfaultfd is root's, so only user-mode-only works",
    options: { kernel: UBUNTU_24_04 },
  },
  root: {
    description: "root (CAP_SYS_PTRACE) on a 6.12 LTS kernel: every open mode and every x86_64 feature",
    options: { kernel: "6.12.0", capSysPtrace: true },
  },
  "arm64-lts-5.10": {
    description:
      "an unprivileged process on arm64 5.10 LTS: the sysctl still defaults to 1, and uffd-wp is advertised and enabled (masking began in 5.14) although arm64 has no uffd-wp page tables before 6.10: WP registration succeeds and no write-protect fault ever arrives",
    options: { kernel: "5.10.226", arch: "arm64" },
  },
  "drops-unknown-6.1.20": {
    description:
      "root on 6.1.20, a stable kernel that silently drops unknown feature bits and does not check the api value",
    options: { kernel: "6.1.20", capSysPtrace: true },
  },
} as const satisfies Record<string, MockScenario>;

export type MockScenarioName = keyof typeof MOCK_SCENARIOS;

/** A mock backend for a named scenario; `overrides` replace its options field by field. */
export function mockScenario(name: MockScenarioName, overrides: Partial<MockOptions> = {}): MockBackend {
  return new SimulatedBackend(modelFromOptions({ ...MOCK_SCENARIOS[name].options, ...overrides }));
}

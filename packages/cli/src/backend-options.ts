import type { Command } from "commander";

// Imported by the program itself at start-up: nothing here may load the SDK (see `backend-selection.ts`).

/** The backend flags of `probe` and `run`, as commander parsed them (strings, or `true` for switches). */
export interface BackendFlags {
  /** `linux` (default) or `mock`; a mock flag without `--backend` means `mock`. */
  readonly backend?: string;
  readonly kernel?: string;
  readonly arch?: string;
  /** Simulate root with CAP_SYS_PTRACE; the default caller is uid≠0 without it (the library's default too). */
  readonly root?: boolean;
  /** The default since the library and the CLI share it; accepted so that older command lines keep their meaning. */
  readonly unprivileged?: boolean;
  readonly sysctl?: string;
  readonly device?: string;
  readonly seccomp?: boolean;
  readonly profile?: string;
}

/**
 * The mock options that `--root` and `--seccomp` stand for (`run`, `probe` and `matrix` alike). The caller is
 * the mock's `DEFAULT_CALLER` (uid≠0 without CAP_SYS_PTRACE, the sysctl at the release's default) unless
 * `--root` asks for root: an app's tests should not pass on privileges production may lack.
 */
export function privilegeOptions(flags: Pick<BackendFlags, "root" | "seccomp">): {
  readonly capSysPtrace: boolean;
  readonly seccomp?: true;
} {
  return { capSysPtrace: flags.root === true, ...(flags.seccomp ? { seccomp: true } : {}) };
}

/**
 * Releases the mock is worth running: one per behaviour change of the userfaultfd reference (§2, §4), from
 * the first userfaultfd to the newest. The last one is the mock's default kernel; `matrix` runs them all.
 */
export const MOCK_KERNELS = [
  "4.3",
  "4.11",
  "4.14",
  "5.2",
  "5.7",
  "5.11",
  "5.13",
  "5.14",
  "5.15",
  "5.19",
  "6.0",
  "6.1.20",
  "6.1.26",
  "6.4",
  "6.5",
  "6.6",
  "6.7",
  "6.8",
  "6.10",
  "6.18",
  "6.19",
] as const;

export const NEWEST_KERNEL = MOCK_KERNELS[MOCK_KERNELS.length - 1];

export type MockFlag = Exclude<keyof BackendFlags, "backend">;

// Each mock flag with the mock option it sets, so that a refused option is reported under its flag.
export const MOCK_FLAGS: Readonly<Record<MockFlag, { readonly flag: string; readonly option?: string }>> = {
  kernel: { flag: "--kernel", option: "kernel" },
  arch: { flag: "--arch", option: "arch" },
  root: { flag: "--root", option: "capSysPtrace" },
  unprivileged: { flag: "--unprivileged", option: "capSysPtrace" },
  sysctl: { flag: "--sysctl", option: "unprivilegedUserfaultfd" },
  device: { flag: "--device", option: "device" },
  seccomp: { flag: "--seccomp", option: "seccomp" },
  profile: { flag: "--profile" },
};

/** Adds `--backend` and the mock's flags to a command. */
export function addBackendOptions(command: Command): Command {
  return command
    .option("--backend <name>", "linux: this machine's kernel (default); mock: a simulated kernel")
    .option(
      "--kernel <release>",
      `mock: the kernel release to simulate, e.g. 5.15 or 6.1.25 (default: ${NEWEST_KERNEL})`,
    )
    .option(
      "--arch <arch>",
      "mock: x86_64, i386, arm64, arm, riscv64, ppc64le, s390x or loongarch64 (default: x86_64)",
    )
    .option("--root", "mock: simulate root with CAP_SYS_PTRACE (default: uid≠0 without it)")
    .option(
      "--unprivileged",
      "mock: simulate uid≠0 without CAP_SYS_PTRACE (the default; kept for old command lines)",
    )
    .option("--sysctl <value>", "mock: vm.unprivileged_userfaultfd, 0 or 1 (default: the release's)")
    .option(
      "--device <access>",
      "mock: /dev/userfaultfd is absent, denied or ok (default: by release and privileges)",
    )
    .option("--seccomp", "mock: a seccomp filter denies userfaultfd(2), as Docker's default profile does")
    .option("--profile <file>", "mock: replay a host profile written by `negotiate capture`");
}

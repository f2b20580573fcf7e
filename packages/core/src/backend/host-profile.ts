import type { Errno } from "../errno.js";
import type { OpenMode } from "./backend-port.js";

/** How one operation turned out when the profile was captured. */
export type CapturedOutcome = "ok" | { readonly errno: Errno };

/**
 * What a real host offers one caller, recorded by the Linux backend's `capture()` and replayed by
 * `mockBackend.fromCapture()`. Serialised as JSON; masks are hex strings (`"0x1ffff"`) because JSON has no u64.
 */
export interface HostProfile {
  /** Always `negotiate-host-profile`. */
  readonly format: "negotiate-host-profile";
  /** Format version; `1`. A reader refuses versions it does not know. */
  readonly version: 1;
  /** ISO 8601 time of the capture. */
  readonly capturedAt: string;
  readonly kernel: {
    /** `uname -r`. */
    readonly release: string;
    /** Machine architecture as the SDK names it: x86_64, arm64, riscv64, i386, arm, ppc64, s390x. */
    readonly arch: string;
  };
  readonly privileges: {
    readonly uid: number;
    /** Whether the capturing process held CAP_SYS_PTRACE (effective set). */
    readonly capSysPtrace: boolean;
    /** `vm.unprivileged_userfaultfd`, when readable. */
    readonly unprivilegedUserfaultfd?: number;
  };
  readonly api: {
    /** The features a `features = 0` call returned: the supported set. */
    readonly supported: bigint;
    /** The `ioctls` that call returned. */
    readonly ioctls: bigint;
  };
  /** The outcome of creating a uffd in each mode. */
  readonly openModes: Readonly<Record<OpenMode, CapturedOutcome>>;
  /** The outcome of requesting EVENT_FORK alone on a fresh fd. */
  readonly eventFork: CapturedOutcome;
}

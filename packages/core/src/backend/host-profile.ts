import type { Errno } from "../errno.js";
import type { OpenMode } from "../userfaultfd/backend-port.js";

/** How one operation turned out when the profile was captured. */
export type CapturedOutcome = "ok" | { readonly errno: Errno };

/** An answer of the kernel: a value, or the errno it refused with. */
export type CapturedAnswer<Value> = { readonly value: Value } | { readonly errno: Errno };

/**
 * Landlock as the capturing process met it: the two queries, then each right handled alone by a fresh ruleset
 * (closed at once), and each restrict flag alone on a fd that is not open (EBADF: the flag is known; EINVAL:
 * unknown; EPERM: no privilege to ask). Nothing is restricted. Keys are the catalogue's names (`READ_FILE`).
 */
export interface CapturedLandlock {
  /** The VERSION query: the ABI, or the errno (ENOSYS, EOPNOTSUPP, a filter's). */
  readonly version: CapturedAnswer<number>;
  /** The ERRATA query: the mask, or the errno (EINVAL before ABI 7 without the backport). */
  readonly errata: CapturedAnswer<bigint>;
  /** `landlock_create_ruleset` handling one fs, net or scope right alone; empty when the VERSION query failed. */
  readonly rights: Readonly<Record<string, CapturedOutcome>>;
  /** `landlock_restrict_self(<fd not open>, flag)` per restrict flag; empty when the VERSION query failed. */
  readonly restrictFlags: Readonly<Record<string, CapturedOutcome>>;
  /** CAP_SYS_ADMIN in the effective set (restrict needs it or no_new_privs). */
  readonly capSysAdmin: boolean;
  /** `NoNewPrivs:` of /proc/self/status when captured. */
  readonly noNewPrivs: boolean;
}

/**
 * What a real host offers one caller, recorded by the Linux backend's `capture()` and replayed by
 * `mockBackend.fromCapture()`. Serialised as JSON; masks are hex strings (`"0x1ffff"`) because JSON has no u64.
 */
export interface HostProfile {
  /** Always `negotiate-host-profile`. */
  readonly format: "negotiate-host-profile";
  /**
   * Format version: `2` with a `landlock` section, `1` without (profiles written before Landlock; still read).
   * A reader refuses versions it does not know.
   */
  readonly version: 1 | 2;
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
  /** Landlock on this host (version 2; required there, absent from version 1). */
  readonly landlock?: CapturedLandlock;
}

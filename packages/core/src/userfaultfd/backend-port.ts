import type { Result } from "neverthrow";
import type { Errno } from "../errno.js";
import type { BackendInfo, SyscallFailure } from "../negotiation/backend-info.js";

export type { BackendInfo, SyscallFailure };

import type { PermissionCause } from "../permission-cause.js";

/**
 * How a userfaultfd is created.
 * - `syscall`: `userfaultfd(2)`. Needs CAP_SYS_PTRACE or `vm.unprivileged_userfaultfd = 1` (since 5.2).
 * - `user-mode-only`: `userfaultfd(2)` with `UFFD_USER_MODE_ONLY` (since 5.11): allowed unprivileged, but
 *   faults raised while the kernel itself touches the range are not delivered (SIGBUS/EFAULT instead).
 * - `device`: `ioctl(open("/dev/userfaultfd"), USERFAULTFD_IOC_NEW)` (since 6.1): access by file mode only.
 */
export type OpenMode = "syscall" | "user-mode-only" | "device";

/** Every open mode, in the order `open: auto` tries them. */
export const OPEN_MODES: readonly OpenMode[] = ["syscall", "device", "user-mode-only"];

/** What to create. */
export interface OpenRequest {
  readonly mode: OpenMode;
  /** `O_CLOEXEC` on the new fd. */
  readonly closeOnExec: boolean;
  /** `O_NONBLOCK` on the new fd. */
  readonly nonBlocking: boolean;
}

/** The `struct uffdio_api` the kernel wrote back. All three fields are u64. */
export interface ApiReply {
  /** `0xAA` on success. */
  readonly api: bigint;
  /** On success: every feature this kernel supports (not only the requested ones). */
  readonly features: bigint;
  /** On success: the ioctls the fd accepts now, as a bit mask of `_UFFDIO_*` numbers. */
  readonly ioctls: bigint;
}

/** A refused `UFFDIO_API`, with the struct as the kernel left it (zeroed on current kernels). */
export interface ApiFailure extends SyscallFailure {
  readonly reply: ApiReply;
}

/** A refusal the core asks the backend to explain. */
export type Denial =
  | { readonly op: "open"; readonly mode: OpenMode; readonly errno: Errno }
  | { readonly op: "api"; readonly features: bigint; readonly errno: Errno };

/**
 * The port every backend implements: the three userfaultfd operations and nothing else.
 * Strategies are written once against it, so every backend behaves identically.
 * Methods report errnos as values and never throw; each call is exactly one kernel operation.
 */
export interface Backend {
  readonly info: BackendInfo;

  /** Creates a uffd. Errors: EPERM/EACCES (not allowed), EINVAL (flags unknown to the kernel), ENOENT (no device), ENOSYS, EMFILE/ENFILE/ENOMEM. */
  open(request: OpenRequest): Result<number, SyscallFailure>;

  /**
   * `UFFDIO_API` with the given `api` and `features`. Errors: EINVAL (wrong api, unknown or unsupported bit,
   * second call after success), EPERM (EVENT_FORK without CAP_SYS_PTRACE), EBADF, EFAULT.
   */
  api(fd: number, api: bigint, features: bigint): Result<ApiReply, ApiFailure>;

  /** Closes a fd this backend opened. Errors: EBADF. */
  close(fd: number): Result<void, SyscallFailure>;

  /**
   * Why a call was refused with EPERM or EACCES, from what the backend can see of its environment
   * (sysctl, capabilities, device mode). Optional: the core falls back to what the refusal itself tells.
   */
  explainDenial?(denial: Denial): PermissionCause;

  /**
   * Why creating a uffd in `mode` answered ENOSYS, when the backend can tell: `not-built` (a kernel built
   * without CONFIG_USERFAULTFD) or `seccomp-enosys` (a filter answering ENOSYS). `undefined` when it cannot
   * (a sandbox such as gVisor, an old kernel). Optional.
   */
  explainUnavailable?(mode: OpenMode): PermissionCause | undefined;

  /**
   * The features the kernel itself reports as enabled on a fd (Linux: `/proc/self/fdinfo/<fd>`, without
   * the internal bit 31). Optional: without it, a policy's `verify` has nothing to check.
   */
  enabledFeatures?(fd: number): Result<bigint, SyscallFailure>;
}

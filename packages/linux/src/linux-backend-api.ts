import type {
  Backend,
  BackendInfo,
  Denial,
  HostProfile,
  NegotiationError,
  OpenMode,
  PermissionCause,
  SyscallFailure,
} from "@negotiate/core/engine";
import type { Result } from "neverthrow";

/** Options of `linuxBackend()`. */
export interface LinuxBackendOptions {
  /** The userfaultfd device opened by the `device` open mode; default `/dev/userfaultfd`. */
  readonly devicePath?: string;
}

/**
 * The real kernel behind the core's `Backend` port: `userfaultfd(2)`, `/dev/userfaultfd` and `UFFDIO_API`
 * through koffi. Every method returns errnos as values and never throws. Fds it returns belong to the caller;
 * it closes only fds it opened itself and does not hand out (the device fd, temporary fds of `capture()`).
 */
export interface LinuxBackend extends Backend {
  /** `name` is `linux`; `kernelRelease` is `uname -r`; `arch` is the SDK's name (`x86_64`, `arm64`, …). */
  readonly info: BackendInfo & {
    readonly name: "linux";
    readonly kernelRelease: string;
    readonly arch: string;
  };

  /**
   * Why a call was refused, from what the kernel's checks look at: `vm.unprivileged_userfaultfd`, CAP_SYS_PTRACE
   * in the initial user namespace (`/proc/self/status`, `/proc/self/uid_map`) and the device's permissions.
   * - `open` in `syscall` mode, EPERM, no CAP_SYS_PTRACE and the sysctl not 1: `sysctl` (with the value read);
   * - `open` in `device` mode, EACCES: `device-permissions` with the device path;
   * - `api` with EVENT_FORK and no CAP_SYS_PTRACE: `capability` naming EVENT_FORK;
   * - EACCES from the syscall with SELinux enforcing or AppArmor enabled: `lsm`;
   * - any other refusal, which the kernel's own checks would have allowed: `filter` (seccomp or an LSM).
   */
  explainDenial(denial: Denial): PermissionCause;

  /**
   * Why a syscall-mode creation answered ENOSYS: `not-built` when `/proc/config.gz` (read bounded) lacks
   * CONFIG_USERFAULTFD, `seccomp-enosys` when a seccomp filter is installed, else `undefined`.
   */
  explainUnavailable(mode: OpenMode): PermissionCause | undefined;

  /**
   * The features enabled on `fd`, from the `API:` line of `/proc/self/fdinfo/<fd>`, without the kernel-internal
   * bit 31. Errors: EBADF when `fd` is not open, ENOTTY when it is not a uffd, else the errno of reading the file.
   */
  enabledFeatures(fd: number): Result<bigint, SyscallFailure>;

  /**
   * Records what this host offers this process as a `HostProfile` for `mockBackend.fromCapture()`: the outcome
   * of each open mode, the supported set and ioctls of a `features = 0` call, the outcome of EVENT_FORK alone on
   * a fresh fd, and the privileges behind them. Every fd it opens is closed before it returns. When no open mode
   * works, `api` is zero and `eventFork` repeats the first open refusal. Errors: `resource-exhausted` when fds
   * run out midway, `unexpected` when `features = 0` is refused on a fd that opened.
   */
  capture(): Result<HostProfile, NegotiationError>;
}

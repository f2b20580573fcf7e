import type { Result } from "neverthrow";
import type { BackendInfo, SyscallFailure } from "../negotiation/negotiation-port.js";

/**
 * `struct landlock_ruleset_attr` as this SDK knows it (ABI 10, 48 bytes): every field a u64, a missing one 0.
 * Pass every field you know with unsupported ones zeroed: a kernel ignores zero bytes past its own struct and
 * answers E2BIG for a non-zero one (reference §1).
 */
export interface RulesetAttr {
  /** `handled_access_fs`: the `fs` rights the ruleset handles (denies unless a rule allows). Default 0. */
  readonly handledAccessFs?: bigint;
  /** `handled_access_net` (ABI 4). Default 0. */
  readonly handledAccessNet?: bigint;
  /** `scoped` (ABI 6). Default 0. */
  readonly scoped?: bigint;
  /** `quiet_access_fs` (ABI 10): handled rights whose denials are not logged. Default 0. */
  readonly quietAccessFs?: bigint;
  /** `quiet_access_net` (ABI 10). Default 0. */
  readonly quietAccessNet?: bigint;
  /** `quiet_scoped` (ABI 10). Default 0. */
  readonly quietScoped?: bigint;
}

/** The fields of `RulesetAttr` in struct order, each 8 bytes. */
export const RULESET_ATTR_FIELDS = [
  "handledAccessFs",
  "handledAccessNet",
  "scoped",
  "quietAccessFs",
  "quietAccessNet",
  "quietScoped",
] as const satisfies readonly (keyof RulesetAttr)[];

/** `sizeof(struct landlock_ruleset_attr)` as this SDK knows it: the size `createRuleset` passes by default. */
export const RULESET_ATTR_SIZE = RULESET_ATTR_FIELDS.length * 8;

/**
 * The largest `size` a port passes to the kernel. Kernels answer E2BIG above their page size (4 KiB on most
 * architectures, 64 KiB at most on those Node runs on); ports answer E2BIG above this without a call.
 */
export const RULESET_ATTR_MAX_SIZE = 65_536;

/**
 * A rule for `landlock_add_rule`.
 * - `path-beneath` (`LANDLOCK_RULE_PATH_BENEATH` = 1, packed `struct landlock_path_beneath_attr`): `allowed`
 *   `fs` rights beneath the file or directory open as `parentFd` (O_PATH fds are accepted);
 * - `net-port` (`LANDLOCK_RULE_NET_PORT` = 2, ABI 4, `struct landlock_net_port_attr`): `allowed` `net` rights
 *   on TCP/UDP `port` (host byte order; above 65535 EINVAL, 0 allowed).
 */
export type LandlockRule =
  | { readonly type: "path-beneath"; readonly allowed: bigint; readonly parentFd: number }
  | { readonly type: "net-port"; readonly allowed: bigint; readonly port: bigint };

/** The kernel's number of each rule type. */
export const LANDLOCK_RULE_TYPE_CODES = { "path-beneath": 1, "net-port": 2 } as const;

/** `LANDLOCK_CREATE_RULESET_VERSION` and `LANDLOCK_CREATE_RULESET_ERRATA`, the query flags of create_ruleset. */
export const LANDLOCK_QUERY_FLAGS = { version: 1, errata: 2 } as const;

/** What a Landlock port says about itself: as the userfaultfd `Backend` does. */
export type LandlockPortInfo = BackendInfo;

/**
 * The port every Landlock implementation provides (the kernel through koffi, the simulator): the three
 * Landlock syscalls, close, and the two process facts an honest `enforce()` needs. It is shaped like the
 * userfaultfd `Backend` port (`info`, one kernel operation per method, `close`, errnos as
 * `Result<_, SyscallFailure>` values, never throwing) so that one generic port contract can cover both.
 *
 * Numbers: fds are C `int`s; a value that is not an integer in the int range is answered EBADF without a call.
 * Flags are u32 in the kernel: bits above 31 are dropped, as the kernel's own argument conversion drops them.
 * Masks, ports and flags are bigint: another type is a TypeError (the one way a port throws, as for any
 * misuse its types already rule out).
 */
export interface LandlockPort {
  readonly info: LandlockPortInfo;

  /**
   * `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`: the ABI version (1..). Errors:
   * ENOSYS (not built, or filtered), EOPNOTSUPP (built but not enabled at boot: `lsm=` lacks landlock),
   * EPERM (a seccomp filter).
   */
  abiVersion(): Result<number, SyscallFailure>;

  /**
   * `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_ERRATA)`: the errata bit mask (0 is a valid
   * answer). Errors: EINVAL before ABI 7 without the stable backport, else as `abiVersion`.
   */
  errata(): Result<bigint, SyscallFailure>;

  /**
   * `landlock_create_ruleset(&attr, size, 0)` with every field of `attr` written (missing ones 0) into one
   * `RULESET_ATTR_SIZE`-byte struct followed by zero bytes; `size` defaults to `RULESET_ATTR_SIZE`. Returns the
   * new ruleset fd (O_CLOEXEC), owned by the caller. Errors: EINVAL (size < 8, unknown bit in a field the
   * kernel knows), E2BIG (size above the page size or `RULESET_ATTR_MAX_SIZE`, a non-zero field the kernel does
   * not know), ENOMSG (nothing handled), EMFILE/ENFILE/ENOMEM, and the errors of `abiVersion`.
   */
  createRuleset(attr: RulesetAttr, size?: number): Result<number, SyscallFailure>;

  /**
   * `landlock_add_rule(rulesetFd, type, &rule, flags)`; `flags` default 0 (7.2: `QUIET`). Errors: EINVAL
   * (unknown flag or type, `allowed` not handled, port above 65535, a directory-only right on a non-directory),
   * ENOMSG (`allowed` = 0), EBADF (a fd not open, or an O_PATH ruleset fd), EBADFD (a ruleset fd that is no
   * ruleset; a parent that is a ruleset, pipe, socket or internal filesystem), EAFNOSUPPORT (no CONFIG_INET).
   */
  addRule(rulesetFd: number, rule: LandlockRule, flags?: bigint): Result<void, SyscallFailure>;

  /**
   * `landlock_restrict_self(rulesetFd, flags)`: confines the calling thread (with `TSYNC`, ABI 8: every thread)
   * for good. Errors: EPERM (neither no_new_privs nor CAP_SYS_ADMIN, checked before flags and fd on 5.19+),
   * EINVAL (unknown flag), EBADF/EBADFD (fd -1 is allowed only with exactly `LOG_SUBDOMAINS_OFF`), E2BIG (a
   * 17th layer; 65th before 5.19), ENOMEM (TSYNC could not reach a sibling).
   */
  restrictSelf(rulesetFd: number, flags: bigint): Result<void, SyscallFailure>;

  /** `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)` for the calling thread, for good. Errors: EINVAL on kernels before 3.5. */
  setNoNewPrivs(): Result<void, SyscallFailure>;

  /**
   * The threads of this process now (Linux: the entries of `/proc/self/task`). Without TSYNC only the calling
   * thread is confined, so any count above 1 means siblings would stay free. Errors: the errno of reading it.
   */
  threadCount(): Result<number, SyscallFailure>;

  /**
   * `open(path, O_PATH | O_CLOEXEC)` and `fstat`: a fd to pass as a path-beneath rule's `parentFd` (the kernel
   * accepts O_PATH fds there; they grant no access of their own), and whether it is a directory (a non-directory
   * takes file rights only). The fd is the caller's to `close`. `path` must be a string without NUL (else
   * EINVAL without a call). Errors: ENOENT, ENOTDIR, EACCES (a parent not searchable), ELOOP, ENAMETOOLONG,
   * EMFILE/ENFILE, ENOMEM.
   */
  openPath(path: string): Result<{ readonly fd: number; readonly directory: boolean }, SyscallFailure>;

  /** Closes a fd (a ruleset this port created, or a path `openPath` opened). Errors: EBADF. */
  close(fd: number): Result<void, SyscallFailure>;
}

/** `true` for a number a C `int` fd argument can hold. */
export const isFdArgument = (fd: number): boolean =>
  Number.isInteger(fd) && fd >= -0x8000_0000 && fd <= 0x7fff_ffff;

/** The u32 a flags argument becomes in the kernel. */
export const u32Flags = (flags: bigint): number => Number(BigInt.asUintN(32, flags));

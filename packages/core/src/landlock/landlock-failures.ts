import { type Errno, isExhaustionErrno } from "../errno.js";
import { type NegotiationError, type PermissionCause, permissionHint } from "../errors.js";
import type { SyscallFailure } from "../negotiation/negotiation-port.js";
import { LANDLOCK_LAYER_LIMITS } from "./landlock-catalogue.js";

/** The layer limit of a kernel with ABI `abi`: the last row of the table it reaches. */
export function landlockLayerLimit(abi: number): number {
  let limit: number = LANDLOCK_LAYER_LIMITS[0].limit;
  for (const row of LANDLOCK_LAYER_LIMITS) if (abi >= row.abi) limit = row.limit;
  return limit;
}

/** A failed port call of a session: `resource-exhausted` for EMFILE/ENFILE/ENOMEM, else `unexpected`. */
export function landlockCallFailure(op: "open" | "api", errno: Errno, what: string): NegotiationError {
  const message = `${what} failed with ${errno}`;
  return isExhaustionErrno(errno)
    ? {
        kind: "resource-exhausted",
        errno,
        op,
        message: `${message}: close fds or raise RLIMIT_NOFILE / free memory, then retry`,
      }
    : { kind: "unexpected", errno, detail: what, message };
}

const permissionDenied = (errno: Errno, cause: PermissionCause, message: string): NegotiationError => ({
  kind: "permission-denied",
  errno,
  cause,
  hint: permissionHint(cause),
  attempts: [],
  message,
});

/**
 * Why `landlock_restrict_self` refused: EPERM is the missing no_new_privs (`noNewPrivs` says why prctl failed,
 * when it did), E2BIG the layer limit, ENOMEM a thread TSYNC could not reach.
 */
export function restrictFailure(
  errno: Errno,
  abi: number,
  noNewPrivs: SyscallFailure | undefined,
): NegotiationError {
  switch (errno) {
    case "EPERM": {
      const why = noNewPrivs
        ? `prctl(PR_SET_NO_NEW_PRIVS) failed with ${noNewPrivs.errno}`
        : "no_new_privs is not set on this thread";
      const detail = `landlock_restrict_self answered EPERM: ${why} and the process lacks CAP_SYS_ADMIN`;
      return permissionDenied(errno, { kind: "no-new-privs", detail }, detail);
    }
    case "E2BIG": {
      const limit = landlockLayerLimit(abi);
      const detail = `landlock_restrict_self answered E2BIG: this thread already has ${limit} Landlock layers, the most a kernel with ABI ${abi} allows`;
      return permissionDenied(errno, { kind: "layers", limit, detail }, detail);
    }
    default:
      return landlockCallFailure("api", errno, "landlock_restrict_self");
  }
}

/** Without TSYNC, `threads - 1` siblings would stay free: the error of a `threads: fail` policy. */
export function threadsUnconfined(threads: number, abi: number): NegotiationError {
  return {
    kind: "threads-unconfined",
    threads,
    hint: "restrict before the process starts threads (before any async fs, dns, crypto or zlib job), run the work in a child spawned after restricting or through `negotiate exec`, use a kernel with Landlock ABI 8 (TSYNC, Linux 7.0), or set the policy's `landlock.threads: warn`",
    message: `this process has ${threads} threads and the kernel has Landlock ABI ${abi}, without TSYNC (ABI 8): landlock_restrict_self would confine the calling thread only and leave ${threads - 1} others unconfined (Node's libuv pool runs fs.readFile and friends on them)`,
  };
}

/** A session used after `close()` or `enforce()`. */
export function sessionStateError(call: string, state: "closed" | "enforced"): NegotiationError {
  const detail = `${call} on a Landlock session that is already ${state}`;
  return {
    kind: "unexpected",
    detail,
    message: `${detail}: negotiate a new session (a ruleset is used once)`,
  };
}

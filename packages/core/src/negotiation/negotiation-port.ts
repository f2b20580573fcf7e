import type { Result } from "neverthrow";
import type { Errno } from "../errno.js";
import type { BackendInfo, SyscallFailure } from "./backend-info.js";
import type { TraceEntry } from "./trace.js";

export type { BackendInfo, SyscallFailure };

/**
 * One way of reaching a kernel interface, tried in the order a plan lists them: userfaultfd's open modes
 * (`syscall`, `device`, `user-mode-only`), Landlock's single one. `key` names it in caches, traces and errors.
 */
export interface PortChannel<Key extends string = string> {
  readonly key: Key;
}

/**
 * What a query or a request got back. A port may answer with its own reply type that has these members (the
 * userfaultfd port answers with the kernel's `ApiReply` itself, so the hot path allocates nothing for it);
 * the interface's session reads the rest of it.
 */
export interface PortAnswer {
  /**
   * The interface's supported set, when the call tells it (userfaultfd's `UFFDIO_API` reply does, under the
   * name `features`; Landlock's `landlock_create_ruleset` does not, and its version query is turned into the
   * table row of that ABI). Always set by `query`.
   */
  readonly features: bigint | undefined;
  /** The fd the session owns when the request created one (Landlock's ruleset); else the handle is the session's. */
  readonly fd?: number;
  /** Interface data a later negotiation needs from a remembered query (Landlock: its ABI and errata). */
  readonly detail?: bigint;
}

/**
 * The port every kernel interface gives the negotiation core: the calls that probe and request, with errnos
 * as values, never throwing; each method is at most a few kernel operations and records them in `trace`.
 * Strategies are written once against it. Masks are the interface's own feature space (`InterfaceDefinition`):
 * one bigint that may hold several kernel masks side by side.
 *
 * Contract (checked by the generic port conformance suite):
 * - `open` gives a fresh handle or the errno; a handle is released by `close` exactly once, or handed to a session.
 * - `query` learns the supported set; afterwards the handle takes no request, except a request for nothing
 *   (`0n`), which the port answers from the query without a call when the interface allows it.
 * - A handle whose `request` was refused with one of the interface's rejection errnos still takes a `query`
 *   (userfaultfd: the fd stays uninitialised).
 */
export interface NegotiationPort<C extends PortChannel = PortChannel> {
  readonly info: BackendInfo;
  /**
   * Every kernel call made through this port so far, in order. Read it when it is needed, not once ahead: a
   * port may replace the empty array it starts with by the array of its first entry.
   */
  readonly trace: TraceEntry[];
  /** A fresh handle on `channel`. Errors: the errno of creating it (refusals make the core try the next channel). */
  open(channel: C): Result<number, SyscallFailure>;
  /** The supported set (`answer.supported` is set). Errors: the errno of the query. */
  query(handle: number): Result<PortAnswer, SyscallFailure>;
  /** Asks for exactly `features`. Errors: the errno of the request. */
  request(handle: number, features: bigint): Result<PortAnswer, SyscallFailure>;
  /** Releases a handle the negotiation does not keep. */
  close(handle: number): void;
  /** The kernel's own view of what is enabled on a session's fd; optional, and `undefined` where it cannot be read. */
  enabledOnKernel?(fd: number): Result<bigint, SyscallFailure> | undefined;
}

/** One channel that was tried and refused, with why. */
export interface ChannelAttempt<Key extends string = string, Cause = unknown> {
  readonly mode: Key;
  readonly errno: Errno;
  readonly cause?: Cause;
}

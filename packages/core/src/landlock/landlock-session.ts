import type { Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import type { StrategyName } from "../policy/policy.js";
import type { LandlockGroup, LandlockMasks } from "./landlock-definition.js";
import type { LandlockRightName } from "./landlock-lookup.js";
import type { LandlockRuleSpec } from "./landlock-policy.js";

/**
 * The state of one wanted right in a Landlock session:
 * - `enforced`: the ruleset handles it as asked;
 * - `degraded`: handled, but this kernel lacks the fix of an erratum that weakens it (the reason names it);
 * - `unavailable`: this kernel does not have it (the reason names the ABI that added it), or Landlock is off.
 */
export type LandlockRightStatus = "enforced" | "degraded" | "unavailable";

/** One wanted right and what became of it. */
export interface LandlockRightReport {
  readonly name: LandlockRightName;
  readonly group: LandlockGroup;
  readonly status: LandlockRightStatus;
  readonly required: boolean;
  /** Why it is not `enforced`: a sentence a person can act on. */
  readonly reason?: string;
}

/**
 * How much of the policy the session enforces: `full` (every wanted right enforced), `partial` (some right
 * degraded or unavailable), `none` (nothing handled: an error unless the policy says `run-unconfined`).
 */
export type LandlockCoverage = "full" | "partial" | "none";

/**
 * What the negotiation hands to a Landlock session: the ruleset it created and what it handles.
 * `rulesetFd` is `undefined` only for a `none` session the policy allowed (`run-unconfined`).
 */
export interface LandlockGrant {
  readonly rulesetFd: number | undefined;
  /** The ABI the kernel reported (0: no Landlock), capped at the newest this SDK knows. */
  readonly abi: number;
  /** The errata mask the kernel reported (0 where it cannot be queried). */
  readonly errata: bigint;
  /** What this kernel supports, per group (the ABI table row, less what a known distro quirk breaks). */
  readonly supported: LandlockMasks;
  /** What the ruleset handles (`fs`, `net`, `scope`) and the restrict flags `enforce()` passes. */
  readonly handled: LandlockMasks;
  /** What the policy wanted (required ∪ optional, less forbidden). */
  readonly wanted: LandlockMasks;
  /** Why nothing is handled, when `rulesetFd` is `undefined`. */
  readonly unavailableReason?: string;
  /** What the negotiation warned about (`unconfined`, `missing-optional`…): the session's warnings start with them. */
  readonly warnings?: readonly { readonly code: string; readonly message: string }[];
  readonly strategy: StrategyName;
}

/** How `enforce()` runs. */
export interface LandlockEnforceOptions {
  /**
   * The caller `execve`s a new program right after `enforce()` returns (as `negotiate exec` does). execve ends
   * every other thread of the process and the new image starts with the calling thread's credentials, so the
   * whole program is confined without TSYNC: the thread check is skipped (threads still counted for the report).
   * Until the exec, the other threads run unconfined: do nothing else between `enforce()` and the exec.
   * Default `false`.
   */
  readonly execNext?: boolean;
}

/** What `enforce()` did. */
export interface LandlockEnforcement {
  /** `true` when the calling process is now confined; `false` for a `none` session (`run-unconfined`). */
  readonly restricted: boolean;
  /** `true` when every thread was restricted at once (`TSYNC`, ABI 8). */
  readonly allThreads: boolean;
  /** Threads of the process when it restricted (0: not counted: `/proc/self/task` unreadable, and not needed). */
  readonly threads: number;
  readonly warnings: readonly string[];
}

/** A Landlock rule as added to the ruleset, or skipped (with why). */
export interface LandlockRuleReport {
  readonly rule: LandlockRuleSpec;
  /** The rights actually allowed: the rule's, intersected with the handled set (and file rights on a file). */
  readonly allowed: readonly LandlockRightName[];
  readonly added: boolean;
  readonly reason?: string;
}

/**
 * A negotiated Landlock ruleset: what is handled, per-right status, the rules added, and `enforce()`.
 * The app owns the ruleset fd; `close()` (or `using`) releases it. Restriction cannot be undone.
 */
export interface LandlockSession<
  R extends LandlockRightName = never,
  O extends LandlockRightName = LandlockRightName,
> extends Disposable {
  /** The ruleset fd; `undefined` for a `none` session and once closed (by `close()` or `enforce()`). */
  readonly fd: number | undefined;
  readonly abi: number;
  readonly errata: bigint;
  /** Every wanted right: required names `true`, optional ones `boolean` (handled or not). */
  readonly enabled: { readonly [K in R]: true } & { readonly [K in Exclude<O, R>]: boolean };
  readonly handled: LandlockMasks;
  readonly rights: readonly LandlockRightReport[];
  readonly coverage: LandlockCoverage;
  readonly rules: readonly LandlockRuleReport[];
  readonly warnings: readonly string[];
  readonly enforced: boolean;
  readonly closed: boolean;
  /**
   * Adds rules, in order; returns the report of each (also appended to `rules`). Each rule's rights are
   * intersected with the handled set (`fs` for a path, `net` for a port); a path is opened O_PATH|O_CLOEXEC and
   * closed again on every path, and on a non-directory the directory-only rights are dropped, so the kernel
   * never answers EINVAL for a rule built here. A rule left with no right, or whose path does not exist
   * (ENOENT, ENOTDIR: nothing to allow beneath it) is skipped with a warning; a `none` session skips every rule.
   * Errors, at the first failing rule (the rules before it stay added: the kernel cannot remove them):
   * `invalid-policy` (a malformed rule: not absolute, port outside 0..65535, unknown right), `resource-exhausted`
   * (EMFILE, ENFILE, ENOMEM), `unexpected` (another errno, or the session is closed or enforced).
   */
  addRules(rules: readonly LandlockRuleSpec[]): Result<readonly LandlockRuleReport[], NegotiationError>;
  /**
   * Sets no_new_privs and restricts the calling process: with `TSYNC` every thread, else the calling thread
   * only, which is an error (`threads-unconfined`) or a warning (policy `threads: warn`) when other threads
   * exist (unless `options.execNext`). A `none` session confines nothing and says so in a warning. Closes the
   * ruleset fd on every path: one attempt per session; a second call is an error (`unexpected`).
   * Errors: `threads-unconfined`; `permission-denied` with cause `no-new-privs` (EPERM: no_new_privs could not
   * be set and no CAP_SYS_ADMIN) or `layers` (E2BIG: 16 layers already, 64 before 5.19); `resource-exhausted`
   * (ENOMEM: TSYNC could not reach a thread); `unexpected` (another errno).
   */
  enforce(options?: LandlockEnforceOptions): Result<LandlockEnforcement, NegotiationError>;
  /** Closes the ruleset fd once; later calls do nothing and succeed. */
  close(): Result<void, NegotiationError>;
}

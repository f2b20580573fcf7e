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
  readonly strategy: StrategyName;
}

/** What `enforce()` did. */
export interface LandlockEnforcement {
  /** `true` when the calling process is now confined; `false` for a `none` session (`run-unconfined`). */
  readonly restricted: boolean;
  /** `true` when every thread was restricted at once (`TSYNC`, ABI 8). */
  readonly allThreads: boolean;
  /** Threads of the process when it restricted. */
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
  /** The ruleset fd, `undefined` for a `none` session. */
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
  /** Adds rules (intersected with the handled set; empty ones skipped with a warning). Errors: the kernel's refusal. */
  addRules(rules: readonly LandlockRuleSpec[]): Result<readonly LandlockRuleReport[], NegotiationError>;
  /**
   * Sets no_new_privs and restricts the calling process: with `TSYNC` every thread, else the calling thread
   * only, which is an error (`threads-unconfined`) or a warning (policy `threads: warn`) when other threads
   * exist. Closes the ruleset fd afterwards. Once only: a second call is an error.
   */
  enforce(): Result<LandlockEnforcement, NegotiationError>;
  /** Closes the ruleset fd once; later calls do nothing and succeed. */
  close(): Result<void, NegotiationError>;
}

import type { OnMissingOptional, OnReject, StrategyName } from "../policy/policy.js";
import type { LandlockRightName } from "./landlock-lookup.js";

/**
 * What a Landlock session does when no right at all can be enforced (no Landlock, or nothing handled):
 * - `fail` (default): the negotiation is an error (`unsupported` or `missing-required`);
 * - `run-unconfined`: the session is `none`, says so in a warning, and `enforce()` confines nothing.
 * Never silent.
 */
export type LandlockUnavailable = "fail" | "run-unconfined";

/**
 * What `enforce()` does when the kernel has no `TSYNC` (ABI < 8) and the process already has threads that
 * `landlock_restrict_self` would leave unconfined: `fail` (default, `threads-unconfined` error) or `warn`.
 */
export type LandlockThreadsPolicy = "fail" | "warn";

/**
 * One rule of a policy, before negotiation: the rights it allows, by name. Rights the ruleset does not handle
 * are dropped from it; a rule left empty is skipped with a warning.
 * - `path`: an absolute path, allowed `fs` rights beneath it (directory-only rights are dropped on a file);
 * - `port`: a TCP port 0..65535, allowed `net` rights on it.
 */
export type LandlockRuleSpec =
  | { readonly path: string; readonly allow: readonly LandlockRightName[] }
  | { readonly port: number; readonly allow: readonly LandlockRightName[] };

/**
 * The `landlock:` section of a version 2 policy, validated, defaults applied. Names are the kernel's without
 * their group prefix. `R` and `O` carry the required and optional names so a session's `enabled` is typed.
 */
export interface LandlockPolicy<
  R extends LandlockRightName = never,
  O extends LandlockRightName = LandlockRightName,
> {
  /** Rights (and restrict flags such as `TSYNC`) without which the negotiation fails. Default empty. */
  readonly required: readonly R[];
  /** Rights handled when the kernel has them. Default empty. */
  readonly optional: readonly O[];
  /** Rights never handled, even when an extended policy lists them. Default empty. */
  readonly forbidden: readonly LandlockRightName[];
  /** Path and port rules, added to the ruleset after negotiation. Default none. */
  readonly rules: readonly LandlockRuleSpec[];
  /** Default `fail`. */
  readonly unavailable: LandlockUnavailable;
  /** Default `fail`. */
  readonly threads: LandlockThreadsPolicy;
  /** Shared knobs; default from the policy's top level, else `auto`, `probe`, `ignore`. */
  readonly strategy: StrategyName;
  readonly onReject: OnReject;
  readonly onMissingOptional: OnMissingOptional;
  /** Type-level only: the names of the required and optional rights. */
  readonly __rights?: { readonly required: R; readonly optional: O };
}

/** The defaults of every Landlock section field that has one. */
export const LANDLOCK_POLICY_DEFAULTS = {
  unavailable: "fail",
  threads: "fail",
  strategy: "auto",
  onReject: "probe",
  onMissingOptional: "ignore",
} as const satisfies Partial<LandlockPolicy>;

import type { OpenMode } from "../userfaultfd/backend-port.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import type { FeatureSet } from "../userfaultfd/feature-set.js";

/**
 * How the request reaches the kernel.
 * - `probe`: `features = 0` on a temporary fd to learn the supported set, then the decided request on a new fd.
 * - `one-shot`: one fd, everything wanted at once; on EINVAL, `onReject` decides.
 * - `auto` (default): straight to the decided request when the supported set is already known in this
 *   process, else `one-shot` with the probe fallback, remembering what it learned.
 */
export type StrategyName = "auto" | "probe" | "one-shot";

/** What a one-shot request does on EINVAL: `probe` (default) narrows the request; `fail` reports `kernel-rejected`. */
export type OnReject = "probe" | "fail";

/** What a missing optional feature does: `ignore` (default), `warn` (session warning) or `error` (`missing-optional`). */
export type OnMissingOptional = "ignore" | "warn" | "error";

/** Which open modes to use: one mode, or `auto` (default): `syscall`, then `device`, then `user-mode-only`. */
export type OpenPolicy = "auto" | OpenMode;

/** Whether `user-mode-only` may be used: `allow` (default, as the last fallback), `forbid`, or `require` (the only mode). */
export type UserModeOnlyPolicy = "allow" | "forbid" | "require";

/**
 * A validated policy: what an app needs from the kernel and how to ask for it.
 * Built only by `definePolicy`, `parsePolicy` or `loadPolicy`, which apply the defaults documented here.
 * The type parameters carry the required (`R`) and optional (`O`) names so that a session's `enabled`
 * is typed: required names are `true`, optional names `boolean`.
 */
export interface Policy<R extends FeatureName = never, O extends FeatureName = FeatureName> {
  /** A label for people and logs; default none. */
  readonly name?: string;
  /** Features without which the negotiation fails (`missing-required`). Default empty. */
  readonly required: FeatureSet;
  /** Features requested when the kernel supports them. Default empty. */
  readonly optional: FeatureSet;
  /** Features never requested, even when an extended policy lists them. Default empty. */
  readonly forbidden: FeatureSet;
  /** Groups of alternatives in order of preference: the first supported one of each group is requested and required. */
  readonly oneOf: readonly (readonly FeatureName[])[];
  readonly strategy: StrategyName;
  readonly onReject: OnReject;
  readonly onMissingOptional: OnMissingOptional;
  readonly open: OpenPolicy;
  readonly userModeOnly: UserModeOnlyPolicy;
  /** `O_CLOEXEC` on the session fd; default `true`. */
  readonly closeOnExec: boolean;
  /** `O_NONBLOCK` on the session fd; default `true`. */
  readonly nonBlocking: boolean;
  /**
   * Check the kernel's own view of the enabled set after success (where the backend can, e.g. Linux fdinfo);
   * default `true`. Each distinct request is checked once per backend and open mode in a process (the
   * `knowledge` of `negotiate`): the kernel's answer to the same request does not change.
   */
  readonly verify: boolean;
  /** The oldest kernel release the deployment promises to run on; used by lints, not by negotiation. */
  readonly minKernel?: string;
  /** Type-level only: the names of the required and optional features. */
  readonly __features?: { readonly required: R; readonly optional: O };
}

/** The defaults of every field that has one. */
export const POLICY_DEFAULTS = {
  strategy: "auto",
  onReject: "probe",
  onMissingOptional: "ignore",
  open: "auto",
  userModeOnly: "allow",
  closeOnExec: true,
  nonBlocking: true,
  verify: true,
} as const satisfies Partial<Policy>;

/** A session's `enabled` map: required names are `true`, optional ones `boolean`. */
export type EnabledFeatures<R extends FeatureName, O extends FeatureName> = { readonly [K in R]: true } & {
  readonly [K in Exclude<O, R>]: boolean;
};

import type { LandlockRightName } from "../landlock/landlock-lookup.js";
import type { LandlockPolicy } from "../landlock/landlock-policy.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import type { Policy } from "./policy.js";

/**
 * A validated version 2 policy: one section per kernel interface, each negotiated by `negotiate`. Built only by
 * `definePolicy({ version: 2, … })`, `parseMultiPolicy` or `loadMultiPolicy`, which apply the top-level
 * knobs (`strategy`, `onReject`, `onMissingOptional`, `verify`) to every section that does not set its own.
 * A version 1 document read by them becomes a `MultiPolicy` with only `userfaultfd`, meaning what it means today.
 * `UR`/`UO` and `LR`/`LO` carry each section's required and optional names so the sub-sessions are typed.
 */
export interface MultiPolicy<
  UR extends FeatureName = never,
  UO extends FeatureName = FeatureName,
  LR extends LandlockRightName = never,
  LO extends LandlockRightName = LandlockRightName,
> {
  readonly version: 2;
  /** A label for people and logs; default none. */
  readonly name?: string;
  /** The userfaultfd section; absent when the policy does not need userfaultfd. */
  readonly userfaultfd?: Policy<UR, UO>;
  /** The Landlock section; absent when the policy does not need Landlock. */
  readonly landlock?: LandlockPolicy<LR, LO>;
}

/** Every interface a version 2 policy may have a section for, in the order `negotiate` negotiates them. */
export const POLICY_SECTIONS = ["userfaultfd", "landlock"] as const;

export type PolicySection = (typeof POLICY_SECTIONS)[number];

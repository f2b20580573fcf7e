import {
  LANDLOCK_POLICY_DEFAULTS,
  type LandlockPolicy,
  type LandlockRightName,
} from "@negotiate/core/landlock";

/** A Landlock section with the defaults, no rights and no rules, but for `fields`. */
export const landlockPolicyOf = (
  fields: Partial<LandlockPolicy<LandlockRightName, LandlockRightName>>,
): LandlockPolicy<LandlockRightName, LandlockRightName> => ({
  ...LANDLOCK_POLICY_DEFAULTS,
  required: [],
  optional: [],
  forbidden: [],
  rules: [],
  ...fields,
});

import {
  LANDLOCK_POLICY_DEFAULTS,
  type LandlockGrant,
  type LandlockPolicy,
  type LandlockPort,
  type LandlockRightName,
  negotiateLandlockGrant,
} from "../../../src/landlock/index.js";

/** A validated Landlock section with the defaults, built in code (policy loading is not this test's subject). */
export function landlockPolicy<R extends LandlockRightName = never, O extends LandlockRightName = never>(
  fields: Partial<LandlockPolicy<R, O>>,
): LandlockPolicy<R, O> {
  return { required: [], optional: [], forbidden: [], rules: [], ...LANDLOCK_POLICY_DEFAULTS, ...fields };
}

/** The grant `negotiateLandlockGrant` gives `policy` on `port`; its error is the test's failure. */
export function negotiatedGrant(
  port: LandlockPort,
  policy: LandlockPolicy<LandlockRightName, LandlockRightName>,
): LandlockGrant {
  const grant = negotiateLandlockGrant(policy, { backend: port });
  if (grant.isErr()) throw new Error(`the negotiation failed: ${grant.error.message}`);
  return grant.value;
}

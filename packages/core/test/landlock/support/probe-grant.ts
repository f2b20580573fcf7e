import {
  EMPTY_LANDLOCK_MASKS,
  intersectLandlockMasks,
  LANDLOCK_POLICY_DEFAULTS,
  type LandlockGrant,
  type LandlockPolicy,
  type LandlockPort,
  type LandlockRightName,
  landlockMasksAt,
  landlockMasksOf,
} from "../../../src/landlock/index.js";

/** A validated Landlock section with the defaults, built in code (policy loading is not this test's subject). */
export function landlockPolicy<R extends LandlockRightName = never, O extends LandlockRightName = never>(
  fields: Partial<LandlockPolicy<R, O>>,
): LandlockPolicy<R, O> {
  return { required: [], optional: [], forbidden: [], rules: [], ...LANDLOCK_POLICY_DEFAULTS, ...fields };
}

/**
 * What a probe negotiation hands a session, made by hand through the port: the ABI's rights ∩ the policy's,
 * one ruleset. A kernel without Landlock (or with nothing to handle) gives the `none` grant.
 */
export function probeGrant(
  port: LandlockPort,
  policy: LandlockPolicy<LandlockRightName, LandlockRightName>,
): LandlockGrant {
  const abi = port.abiVersion().unwrapOr(0);
  const supported = landlockMasksAt(abi);
  const names = [...policy.required, ...policy.optional];
  const asked = landlockMasksOf(names)._unsafeUnwrap();
  const forbidden = landlockMasksOf(policy.forbidden)._unsafeUnwrap();
  const wanted = {
    fs: asked.fs & ~forbidden.fs,
    net: asked.net & ~forbidden.net,
    scope: asked.scope & ~forbidden.scope,
    restrict: asked.restrict & ~forbidden.restrict,
    rule: asked.rule & ~forbidden.rule,
  };
  const handled = intersectLandlockMasks(wanted, supported);
  const base = { abi, errata: port.errata().unwrapOr(0n), supported, wanted, strategy: "probe" } as const;
  const ruleset =
    abi > 0
      ? port.createRuleset({
          handledAccessFs: handled.fs,
          handledAccessNet: handled.net,
          scoped: handled.scope,
        })
      : undefined;
  if (!ruleset || ruleset.isErr())
    return {
      ...base,
      rulesetFd: undefined,
      handled: EMPTY_LANDLOCK_MASKS,
      unavailableReason: ruleset ? `create_ruleset answered ${ruleset.error.errno}` : "no Landlock (ENOSYS)",
    };
  return { ...base, rulesetFd: ruleset.value, handled };
}

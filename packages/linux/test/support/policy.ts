import { type FeatureName, FeatureSet, POLICY_DEFAULTS, type Policy } from "@negotiate/core";

/** A policy built directly from names, with the documented defaults for everything else. */
export function policyOf<R extends FeatureName = never, O extends FeatureName = never>(
  fields: {
    readonly required?: readonly R[];
    readonly optional?: readonly O[];
  } & Partial<Omit<Policy, "required" | "optional" | "__features">> = {},
): Policy<R, O> {
  const { required = [], optional = [], ...rest } = fields;
  return {
    ...POLICY_DEFAULTS,
    forbidden: FeatureSet.EMPTY,
    oneOf: [],
    ...rest,
    required: FeatureSet.of(...required),
    optional: FeatureSet.of(...optional),
  };
}

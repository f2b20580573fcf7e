import { type FeatureName, FeatureSet, POLICY_DEFAULTS, type Policy } from "@negotiate/core";

/** A policy built directly, without the policy validator, for strategy tests. */
export function testPolicy<R extends FeatureName = never, O extends FeatureName = never>(
  fields: {
    readonly required?: readonly R[];
    readonly optional?: readonly O[];
    readonly forbidden?: readonly FeatureName[];
    readonly oneOf?: readonly (readonly FeatureName[])[];
  } & Partial<Omit<Policy, "required" | "optional" | "forbidden" | "oneOf" | "__features">> = {},
): Policy<R, O> {
  const { required = [], optional = [], forbidden = [], oneOf = [], ...rest } = fields;
  return {
    ...POLICY_DEFAULTS,
    ...rest,
    required: FeatureSet.of(...required),
    optional: FeatureSet.of(...optional),
    forbidden: FeatureSet.of(...forbidden),
    oneOf,
  };
}

import type { FeatureName } from "../catalogue/catalogue.js";
import { yaml } from "./lazy-dependencies.js";
import type { Policy } from "./policy.js";
import type { PolicyDocument, PolicyFormat } from "./policy-document.js";
import { assertPolicy } from "./policy-shape.js";

/**
 * A resolved policy as a self-contained document (version 1, no `extends`, every field explicit): parsing
 * it back gives an equal policy. What `negotiate check --print` shows, and how a policy is stored.
 * Throws a `TypeError` when `policy` is not a Policy.
 */
export function policyToDocument<R extends FeatureName, O extends FeatureName>(
  policy: Policy<R, O>,
): PolicyDocument & { readonly version: 1 } {
  assertPolicy(policy, "policyToDocument");
  return {
    version: 1,
    ...(policy.name === undefined ? {} : { name: policy.name }),
    features: {
      required: policy.required.names(),
      optional: policy.optional.names(),
      forbidden: policy.forbidden.names(),
      oneOf: policy.oneOf.map((group) => [...group]),
    },
    strategy: policy.strategy,
    onReject: policy.onReject,
    onMissingOptional: policy.onMissingOptional,
    open: policy.open,
    userModeOnly: policy.userModeOnly,
    closeOnExec: policy.closeOnExec,
    nonBlocking: policy.nonBlocking,
    verify: policy.verify,
    ...(policy.minKernel === undefined ? {} : { minKernel: policy.minKernel }),
  };
}

/** `policyToDocument` as YAML or JSON text; throws a `TypeError` when `policy` is not a Policy. */
export function stringifyPolicy<R extends FeatureName, O extends FeatureName>(
  policy: Policy<R, O>,
  options: { readonly format: PolicyFormat },
): string {
  const document = policyToDocument(policy);
  return options.format === "json" ? `${JSON.stringify(document, null, 2)}\n` : yaml().stringify(document);
}

import type { LandlockRightName } from "../landlock/landlock-lookup.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import { yaml } from "./lazy-dependencies.js";
import type { MultiPolicy } from "./multi-policy.js";
import type { MultiPolicyDocument } from "./multi-policy-document.js";
import type { Policy } from "./policy.js";
import type { PolicyDocument, PolicyFormat } from "./policy-document.js";
import { assertMultiPolicy, assertPolicy } from "./policy-shape.js";

/**
 * A resolved policy as a self-contained document (no `extends`, every field explicit): parsing it back gives an
 * equal policy. A `Policy` gives a version 1 document, a `MultiPolicy` a version 2 one (each section with all
 * its fields, no top-level knobs). What `negotiate check --print` shows, and how a policy is stored.
 * Throws a `TypeError` when `policy` is neither.
 */
export function policyToDocument<
  UR extends FeatureName,
  UO extends FeatureName,
  LR extends LandlockRightName,
  LO extends LandlockRightName,
>(policy: MultiPolicy<UR, UO, LR, LO>): MultiPolicyDocument & { readonly version: 2 };
// Last: what `ReturnType<typeof policyToDocument>` names, as before version 2.
export function policyToDocument<R extends FeatureName, O extends FeatureName>(
  policy: Policy<R, O>,
): PolicyDocument & { readonly version: 1 };
export function policyToDocument(
  policy: Policy<FeatureName, FeatureName> | MultiPolicy<FeatureName, FeatureName, LandlockRightName>,
): (PolicyDocument & { readonly version: 1 }) | (MultiPolicyDocument & { readonly version: 2 }) {
  if (isMulti(policy)) {
    assertMultiPolicy(policy, "policyToDocument");
    const { userfaultfd, landlock } = policy;
    return {
      version: 2,
      ...(policy.name === undefined ? {} : { name: policy.name }),
      ...(userfaultfd === undefined
        ? {}
        : { userfaultfd: { ...userfaultfdDocument(userfaultfd).features, ...knobsOf(userfaultfd) } }),
      ...(landlock === undefined
        ? {}
        : {
            landlock: {
              required: [...landlock.required],
              optional: [...landlock.optional],
              forbidden: [...landlock.forbidden],
              rules: landlock.rules.map((rule) => ({ ...rule, allow: [...rule.allow] })),
              unavailable: landlock.unavailable,
              threads: landlock.threads,
              strategy: landlock.strategy,
              onReject: landlock.onReject,
              onMissingOptional: landlock.onMissingOptional,
            } as LandlockSectionDocument,
          }),
    };
  }
  assertPolicy(policy, "policyToDocument");
  return {
    version: 1,
    ...(policy.name === undefined ? {} : { name: policy.name }),
    ...userfaultfdDocument(policy),
    ...knobsOf(policy),
  };
}

// The section was decoded from this format: its lists hold no rule flag, path rules allow fs rights only, port
// rules net rights only.
type LandlockSectionDocument = NonNullable<MultiPolicyDocument["landlock"]>;

const isMulti = (policy: unknown): policy is MultiPolicy<FeatureName, FeatureName, LandlockRightName> =>
  typeof policy === "object" &&
  policy !== null &&
  Object.getOwnPropertyDescriptor(policy, "version")?.value === 2;

const userfaultfdDocument = (policy: Policy<FeatureName, FeatureName>) => ({
  features: {
    required: policy.required.names(),
    optional: policy.optional.names(),
    forbidden: policy.forbidden.names(),
    oneOf: policy.oneOf.map((group) => [...group]),
  },
});

const knobsOf = (policy: Policy<FeatureName, FeatureName>) => ({
  strategy: policy.strategy,
  onReject: policy.onReject,
  onMissingOptional: policy.onMissingOptional,
  open: policy.open,
  userModeOnly: policy.userModeOnly,
  closeOnExec: policy.closeOnExec,
  nonBlocking: policy.nonBlocking,
  verify: policy.verify,
  ...(policy.minKernel === undefined ? {} : { minKernel: policy.minKernel }),
});

/** `policyToDocument` as YAML or JSON text; throws a `TypeError` when `policy` is not a Policy or MultiPolicy. */
export function stringifyPolicy<
  UR extends FeatureName,
  UO extends FeatureName,
  LR extends LandlockRightName,
  LO extends LandlockRightName,
>(policy: MultiPolicy<UR, UO, LR, LO>, options: { readonly format: PolicyFormat }): string;
export function stringifyPolicy<R extends FeatureName, O extends FeatureName>(
  policy: Policy<R, O>,
  options: { readonly format: PolicyFormat },
): string;
export function stringifyPolicy(
  policy: Policy<FeatureName, FeatureName> | MultiPolicy<FeatureName, FeatureName, LandlockRightName>,
  options: { readonly format: PolicyFormat },
): string {
  const document = isMulti(policy) ? policyToDocument(policy) : policyToDocument(policy);
  return options.format === "json" ? `${JSON.stringify(document, null, 2)}\n` : yaml().stringify(document);
}

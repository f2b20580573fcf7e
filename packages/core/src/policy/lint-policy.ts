import type { PolicyIssue } from "../errors.js";
import { kernelAtLeast, parseKernelRelease } from "../kernel-release.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import { featureDefinition } from "../userfaultfd/feature-lookup.js";
import { FEATURE_LISTS } from "./check-document.js";
import type { Policy } from "./policy.js";
import { issueAt } from "./policy-issue.js";
import { type Origin, originsOf, type PolicyOrigins } from "./policy-origins.js";
import { assertPolicy } from "./policy-shape.js";

/**
 * Warnings about a valid policy: things that are allowed but probably not meant. Each names where the
 * feature or field was declared (file, line, column when the policy came from a file).
 * - a required feature (or every alternative of a group) newer than `minKernel`;
 * - a requested feature whose implied feature is forbidden (the kernel enables it anyway);
 * - EVENT_FORK required with `userModeOnly: require` (callers limited to that mode rarely hold CAP_SYS_PTRACE).
 * Throws a `TypeError` when `policy` is not a Policy (`null`, a Proxy, fields of the wrong type).
 */
export function lintPolicy<R extends FeatureName, O extends FeatureName>(
  policy: Policy<R, O>,
): PolicyIssue[] {
  assertPolicy(policy, "lintPolicy");
  const origins = originsOf(policy) ?? declaredOrigins(policy);
  const featureOrigin = (name: FeatureName): Origin =>
    origins.features.get(name) ?? { site: {}, segments: ["features"] };
  return [
    ...newerThanMinKernel(policy, origins, featureOrigin),
    ...impliedButForbidden(policy, origins, featureOrigin),
    ...forkWithUserModeOnly(policy, featureOrigin),
  ];
}

function newerThanMinKernel(
  policy: Policy<FeatureName, FeatureName>,
  origins: PolicyOrigins,
  featureOrigin: (name: FeatureName) => Origin,
): PolicyIssue[] {
  if (policy.minKernel === undefined) return [];
  const parsed = parseKernelRelease(policy.minKernel);
  if (parsed.isErr()) return [];
  const minKernel = parsed.value;
  const shown = policy.minKernel;
  const issues = policy.required.names().flatMap((name) => {
    const { since } = featureDefinition(name);
    if (kernelAtLeast(minKernel, since)) return [];
    const { site, segments } = featureOrigin(name);
    return [
      issueAt(
        site,
        segments,
        `${name} is required but was added in Linux ${since}, after minKernel ${shown}: on older kernels the negotiation fails with missing-required`,
        {
          value: name,
          expected: [`minKernel "${since}" or later`, `${name} in features.optional`],
        },
      ),
    ];
  });
  policy.oneOf.forEach((group, index) => {
    if (group.some((name) => kernelAtLeast(minKernel, featureDefinition(name).since))) return;
    // Catalogue releases always parse; the fallback only satisfies the type.
    const versionOf = (since: string) => parseKernelRelease(since).unwrapOr(minKernel);
    const oldest = group
      .map((name) => featureDefinition(name).since)
      .reduce((a, b) => (kernelAtLeast(versionOf(a), b) ? b : a));
    const origin = origins.groups[index]!.origin;
    issues.push(
      issueAt(
        origin.site,
        origin.segments,
        `no alternative of this oneOf group exists before Linux ${oldest}, after minKernel ${shown}: on older kernels the group is not met`,
        {
          value: [...group],
          expected: [`minKernel "${oldest}" or later`, "an alternative available at minKernel"],
        },
      ),
    );
  });
  return issues;
}

function impliedButForbidden(
  policy: Policy<FeatureName, FeatureName>,
  origins: PolicyOrigins,
  featureOrigin: (name: FeatureName) => Origin,
): PolicyIssue[] {
  const requested: { readonly name: FeatureName; readonly origin: Origin }[] = [
    ...[...policy.required.names(), ...policy.optional.names()].map((name) => ({
      name,
      origin: featureOrigin(name),
    })),
    ...policy.oneOf.flatMap((group, groupIndex) =>
      group.map((name, index) => ({
        name,
        origin: origins.groups[groupIndex]!.alternatives[index]!,
      })),
    ),
  ];
  return requested.flatMap(({ name, origin }) =>
    featureDefinition(name)
      .implies.filter((implied) => policy.forbidden.has(implied))
      .map((implied) =>
        issueAt(
          origin.site,
          origin.segments,
          `${name} implies ${implied}, which is forbidden: the kernel enables ${implied} along with ${name}`,
          {
            value: name,
            expected: [`${name} not requested`, `${implied} not forbidden`],
          },
        ),
      ),
  );
}

function forkWithUserModeOnly(
  policy: Policy<FeatureName, FeatureName>,
  featureOrigin: (name: FeatureName) => Origin,
): PolicyIssue[] {
  if (policy.userModeOnly !== "require" || !policy.required.has("EVENT_FORK")) return [];
  const { site, segments } = featureOrigin("EVENT_FORK");
  return [
    issueAt(
      site,
      segments,
      "EVENT_FORK is required with userModeOnly: require: EVENT_FORK needs CAP_SYS_PTRACE, which callers limited to user-mode-only rarely hold, so the negotiation would fail with permission-denied",
      {
        value: "EVENT_FORK",
        expected: ["EVENT_FORK in features.optional", "userModeOnly: allow"],
      },
    ),
  ];
}

// A policy built by hand rather than by this module: paths by position in its sets and groups, no source.
function declaredOrigins(policy: Policy<FeatureName, FeatureName>): PolicyOrigins {
  const features = new Map<FeatureName, Origin>();
  for (const list of FEATURE_LISTS) {
    policy[list].names().forEach((name, index) => {
      features.set(name, { site: {}, segments: ["features", list, index] });
    });
  }
  const groups = policy.oneOf.map((group, groupIndex) => ({
    origin: { site: {}, segments: ["features", "oneOf", groupIndex] },
    alternatives: group.map((_, index) => ({ site: {}, segments: ["features", "oneOf", groupIndex, index] })),
  }));
  return { features, groups, fields: new Map() };
}

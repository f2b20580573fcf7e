import { err, ok, type Result } from "neverthrow";
import type { PolicyIssue } from "../errors.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import { FeatureSet } from "../userfaultfd/feature-set.js";
import { entriesOf, FEATURE_LISTS, type FeatureStatus, writtenAt } from "./check-document.js";
import type { LooseDocument } from "./decode-document.js";
import { POLICY_DEFAULTS, type Policy } from "./policy.js";
import { formatPath, type IssueSite, issueAt, type PathSegment } from "./policy-issue.js";
import { type Origin, recordOrigins, SCALAR_FIELDS, type ScalarField } from "./policy-origins.js";

/** One document, in the order `extends` resolution applies it; the policy being validated comes last. */
export interface PolicyLayer {
  readonly document: LooseDocument;
  /** The document as written, for the values issues quote. */
  readonly raw: unknown;
  readonly site: IssueSite;
  /**
   * Where a path of the version 1 form (`features.required[0]`, `strategy`) is in `raw`; default: there. A
   * version 2 document's `userfaultfd:` section is given as a version 1 document whose paths map into it.
   */
  readonly at?: (segments: readonly PathSegment[]) => readonly PathSegment[];
}

/** How a version 2 policy builds its userfaultfd section: its own name, and the knobs its top level set. */
export interface SectionContext {
  readonly name: string | undefined;
  /** Values for the fields no layer's section set, with where they were set. */
  readonly shared: ReadonlyMap<ScalarField, { readonly value: unknown; readonly origin: Origin }>;
}

const asWritten = (segments: readonly PathSegment[]) => segments;

interface Group {
  readonly key: string;
  readonly origin: Origin;
  readonly alternatives: readonly { readonly name: FeatureName; readonly origin: Origin }[];
}

/**
 * The last validate stage: applies the layers in order and builds the frozen policy. A later layer sets the
 * status of every feature it lists (forbidding one removes it from earlier lists and groups) and overrides
 * earlier scalar fields; `name` is the last layer's own. Reports groups left without alternatives and
 * contradictory open settings. Linear in the layers: groups are de-duplicated by a key, not by comparison.
 */
export function mergeLayers(
  layers: readonly PolicyLayer[],
  context?: SectionContext,
): Result<Policy<never, never>, PolicyIssue[]> {
  const issues: PolicyIssue[] = [];
  const status = new Map<FeatureName, { readonly status: FeatureStatus; readonly origin: Origin }>();
  const groups = new Map<string, Group>();
  // The keys of the groups each feature is an alternative of: forbidding it visits only those.
  const groupsWith = new Map<FeatureName, Set<string>>();
  const fields = new Map<ScalarField, { readonly origin: Origin; readonly layer: number }>();
  const values: { -readonly [K in ScalarField]?: LooseDocument[K] } = {};
  layers.forEach(({ document, raw, site, at = asWritten }, layer) => {
    const features = document.features ?? {};
    for (const list of FEATURE_LISTS) {
      const forbiddenHere = new Set<FeatureName>();
      for (const { name, index } of entriesOf(features[list])) {
        const origin = { site, segments: at(["features", list, index]) };
        status.set(name, { status: list, origin });
        if (list !== "forbidden" || forbiddenHere.has(name)) continue;
        forbiddenHere.add(name);
        issues.push(...removeAlternative(groups, groupsWith, name, origin, writtenAt(raw, origin.segments)));
      }
    }
    (features.oneOf ?? []).forEach((group, groupIndex) => {
      const seen = new Set<FeatureName>();
      const unique: Group["alternatives"][number][] = [];
      for (const { name, index } of entriesOf(group)) {
        if (seen.has(name)) continue;
        seen.add(name);
        unique.push({ name, origin: { site, segments: at(["features", "oneOf", groupIndex, index]) } });
      }
      if (unique.length === 0) return;
      for (const { name } of unique) if (status.get(name)?.status === "forbidden") status.delete(name);
      const key = unique.map((alt) => alt.name).join(",");
      if (groups.has(key)) return;
      groups.set(key, {
        key,
        origin: { site, segments: at(["features", "oneOf", groupIndex]) },
        alternatives: unique,
      });
      for (const { name } of unique) {
        const keys = groupsWith.get(name) ?? new Set<string>();
        keys.add(key);
        groupsWith.set(name, keys);
      }
    });
    for (const field of SCALAR_FIELDS) {
      if (document[field] === undefined) continue;
      (values as Record<string, unknown>)[field] = document[field];
      fields.set(field, { origin: { site, segments: at([field]) }, layer });
    }
  });
  issues.push(...contradictions(values, fields));
  if (issues.length > 0) return err(issues);

  const named = (wanted: FeatureStatus) =>
    FeatureSet.of(...[...status].filter(([, entry]) => entry.status === wanted).map(([name]) => name));
  const name = context === undefined ? layers.at(-1)?.document.name : context.name;
  const merged = [...groups.values()];
  const shared = [...(context?.shared ?? [])].filter(([field]) => !fields.has(field));
  const policy: Policy<never, never> = Object.freeze({
    ...(name === undefined ? {} : { name }),
    required: named("required"),
    optional: named("optional"),
    forbidden: named("forbidden"),
    oneOf: Object.freeze(merged.map((group) => Object.freeze(group.alternatives.map((alt) => alt.name)))),
    // `values` holds only the fields some layer set.
    ...POLICY_DEFAULTS,
    ...Object.fromEntries(shared.map(([field, { value }]) => [field, value])),
    ...values,
  });
  recordOrigins(policy, {
    features: new Map([...status].map(([feature, entry]) => [feature, entry.origin])),
    groups: merged.map((group) => ({
      origin: group.origin,
      alternatives: group.alternatives.map((alt) => alt.origin),
    })),
    fields: new Map([
      ...shared.map(([field, { origin }]) => [field, origin] as const),
      ...[...fields].map(([field, entry]) => [field, entry.origin] as const),
    ]),
  });
  return ok(policy);
}

// Forbidding a feature takes it out of the groups declared before; a group left empty can never be met. Each
// alternative is removed at most once, so all removals together are linear in the groups' sizes.
function removeAlternative(
  groups: Map<string, Group>,
  groupsWith: Map<FeatureName, Set<string>>,
  name: FeatureName,
  origin: Origin,
  written: unknown,
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const keys = [...(groupsWith.get(name) ?? [])].reverse();
  groupsWith.delete(name);
  for (const key of keys) {
    const group = groups.get(key);
    if (group === undefined) continue;
    const remaining = group.alternatives.filter((alt) => alt.name !== name);
    if (remaining.length === group.alternatives.length) continue;
    if (remaining.length === 0) {
      const where = `${group.origin.site.file ?? "the policy"} ${formatPath(group.origin.segments)}`;
      issues.push(
        issueAt(
          origin.site,
          origin.segments,
          `forbidding ${name} leaves the oneOf group [${name}] of ${where} with no alternative: it can never be met`,
          {
            value: written,
            expected: ["a feature that is not the only alternative of a oneOf group"],
          },
        ),
      );
      groups.delete(group.key);
    } else {
      // The group keeps its place and its key: later groups are still compared with what it was declared as.
      groups.set(group.key, { ...group, alternatives: remaining });
    }
  }
  return issues;
}

// `open` and `userModeOnly` that exclude each other; reported where the later of the two was set.
function contradictions(
  values: { readonly open?: string; readonly userModeOnly?: string },
  fields: ReadonlyMap<ScalarField, { readonly origin: Origin; readonly layer: number }>,
): PolicyIssue[] {
  const { open, userModeOnly } = values;
  const clash =
    (open === "user-mode-only" && userModeOnly === "forbid") ||
    ((open === "syscall" || open === "device") && userModeOnly === "require");
  if (!clash) return [];
  const openField = fields.get("open")!;
  const modeField = fields.get("userModeOnly")!;
  const blameOpen = openField.layer > modeField.layer;
  const message = `open: ${open} contradicts userModeOnly: ${userModeOnly}`;
  if (blameOpen) {
    return [
      issueAt(openField.origin.site, openField.origin.segments, message, {
        value: open,
        expected: userModeOnly === "forbid" ? ["auto", "syscall", "device"] : ["auto", "user-mode-only"],
      }),
    ];
  }
  return [
    issueAt(modeField.origin.site, modeField.origin.segments, message, {
      value: userModeOnly,
      expected: open === "user-mode-only" ? ["allow", "require"] : ["allow", "forbid"],
    }),
  ];
}

import { err, ok, type Result } from "neverthrow";
import type { FeatureName } from "../catalogue/catalogue.js";
import type { PolicyIssue } from "../errors.js";
import { FeatureSet } from "../feature-set.js";
import type { LooseDocument } from "./decode-document.js";
import { POLICY_DEFAULTS, type Policy } from "./policy.js";
import { formatPath, type IssueSite, issueAt, type PathSegment } from "./policy-issue.js";

/** One document, in the order `extends` resolution applies it; the policy being validated comes last. */
export interface PolicyLayer {
  readonly document: LooseDocument;
  /** The document as written, for the values issues quote. */
  readonly raw: unknown;
  readonly site: IssueSite;
}

/** Where a value of a resolved policy was declared: a document and a path in it. */
export interface Origin {
  readonly site: IssueSite;
  readonly segments: readonly PathSegment[];
}

/** Where each part of a resolved policy came from, for lints and for messages. */
export interface PolicyOrigins {
  /** The entry that gave each listed feature its final status (required, optional or forbidden). */
  readonly features: ReadonlyMap<FeatureName, Origin>;
  /** Each `oneOf` group of the policy: the group and each alternative. */
  readonly groups: readonly { readonly origin: Origin; readonly alternatives: readonly Origin[] }[];
  /** The document and path of each scalar field that a document set. */
  readonly fields: ReadonlyMap<ScalarField, Origin>;
}

const SCALAR_FIELDS = [
  "strategy",
  "onReject",
  "onMissingOptional",
  "open",
  "userModeOnly",
  "closeOnExec",
  "nonBlocking",
  "verify",
  "minKernel",
] as const;

type ScalarField = (typeof SCALAR_FIELDS)[number];

/** The three feature lists of a policy, in the order a document declares them. */
export const FEATURE_LISTS = ["required", "optional", "forbidden"] as const;
type Status = (typeof FEATURE_LISTS)[number];

interface Entry {
  readonly name: FeatureName;
  readonly index: number;
}

const entriesOf = (list: readonly (FeatureName | undefined)[] | undefined): Entry[] =>
  (list ?? []).flatMap((name, index) => (name === undefined ? [] : [{ name, index }]));

/** The value at a path of a document as written (`UFFD_FEATURE_THREAD_ID`, not the decoded `THREAD_ID`). */
function writtenAt(raw: unknown, segments: readonly PathSegment[]): unknown {
  let node = raw;
  for (const segment of segments) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

const origins = new WeakMap<object, PolicyOrigins>();

/** Where the parts of a policy built by this module came from. */
export function originsOf(policy: object): PolicyOrigins | undefined {
  return origins.get(policy);
}

/**
 * The checks one document must pass on its own: a feature in two of `required`, `optional`, `forbidden`
 * (or forbidden and an alternative of a group), an empty group.
 */
export function checkDocument(document: LooseDocument, raw: unknown, site: IssueSite): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const features = document.features ?? {};
  const first = new Map<FeatureName, { readonly status: Status; readonly index: number }>();
  for (const status of FEATURE_LISTS) {
    for (const { name, index } of entriesOf(features[status])) {
      const earlier = first.get(name);
      if (earlier === undefined) {
        first.set(name, { status, index });
      } else if (earlier.status !== status) {
        const earlierPath = formatPath(["features", earlier.status, earlier.index]);
        issues.push(
          issueAt(
            site,
            ["features", status, index],
            `${name} is both ${earlier.status} (${earlierPath}) and ${status}`,
            {
              value: writtenAt(raw, ["features", status, index]),
              expected: [`${name} in only one of features.${earlier.status}, features.${status}`],
            },
          ),
        );
      }
    }
  }
  (features.oneOf ?? []).forEach((group, groupIndex) => {
    if (group === undefined) return;
    if (group.length === 0) {
      issues.push(
        issueAt(site, ["features", "oneOf", groupIndex], "an empty oneOf group can never be met", {
          value: [],
          expected: ["a list of at least one feature name"],
        }),
      );
    }
    for (const { name, index } of entriesOf(group)) {
      if (first.get(name)?.status !== "forbidden") continue;
      const forbiddenPath = formatPath(["features", "forbidden", first.get(name)!.index]);
      issues.push(
        issueAt(
          site,
          ["features", "oneOf", groupIndex, index],
          `${name} is both forbidden (${forbiddenPath}) and an alternative of this oneOf group`,
          {
            value: writtenAt(raw, ["features", "oneOf", groupIndex, index]),
            expected: [`${name} in only one of features.forbidden, features.oneOf[${groupIndex}]`],
          },
        ),
      );
    }
  });
  return issues;
}

interface Group {
  readonly origin: Origin;
  readonly alternatives: { readonly name: FeatureName; readonly origin: Origin }[];
}

/**
 * Applies the layers in order and builds the policy. A later layer sets the status of every feature it lists
 * (forbidding one removes it from earlier lists and groups) and overrides earlier scalar fields; `name` is the
 * last layer's own. Reports groups left without alternatives and contradictory open settings.
 */
export function resolveLayers(layers: readonly PolicyLayer[]): Result<Policy<never, never>, PolicyIssue[]> {
  const issues: PolicyIssue[] = [];
  const status = new Map<FeatureName, { readonly status: Status; readonly origin: Origin }>();
  const groups: Group[] = [];
  const fields = new Map<ScalarField, { readonly origin: Origin; readonly layer: number }>();
  const values: { -readonly [K in ScalarField]?: LooseDocument[K] } = {};
  layers.forEach(({ document, raw, site }, layer) => {
    const features = document.features ?? {};
    for (const list of FEATURE_LISTS) {
      for (const { name, index } of entriesOf(features[list])) {
        const origin = { site, segments: ["features", list, index] };
        status.set(name, { status: list, origin });
        if (list === "forbidden") {
          issues.push(...removeAlternative(groups, name, origin, writtenAt(raw, origin.segments)));
        }
      }
    }
    (features.oneOf ?? []).forEach((group, groupIndex) => {
      const alternatives = entriesOf(group).map(({ name, index }) => ({
        name,
        origin: { site, segments: ["features", "oneOf", groupIndex, index] },
      }));
      const unique = alternatives.filter(
        (alt, index) => alternatives.findIndex((a) => a.name === alt.name) === index,
      );
      if (unique.length === 0) return;
      for (const { name } of unique) if (status.get(name)?.status === "forbidden") status.delete(name);
      const key = unique.map((alt) => alt.name).join(",");
      if (groups.some((known) => known.alternatives.map((alt) => alt.name).join(",") === key)) return;
      groups.push({ origin: { site, segments: ["features", "oneOf", groupIndex] }, alternatives: unique });
    });
    for (const field of SCALAR_FIELDS) {
      if (document[field] === undefined) continue;
      (values as Record<string, unknown>)[field] = document[field];
      fields.set(field, { origin: { site, segments: [field] }, layer });
    }
  });
  issues.push(...contradictions(values, fields));
  if (issues.length > 0) return err(issues);

  const named = (wanted: Status) =>
    FeatureSet.of(...[...status].filter(([, entry]) => entry.status === wanted).map(([name]) => name));
  const name = layers.at(-1)?.document.name;
  const policy: Policy<never, never> = Object.freeze({
    ...(name === undefined ? {} : { name }),
    required: named("required"),
    optional: named("optional"),
    forbidden: named("forbidden"),
    oneOf: Object.freeze(groups.map((group) => Object.freeze(group.alternatives.map((alt) => alt.name)))),
    // `values` holds only the fields some layer set.
    ...POLICY_DEFAULTS,
    ...values,
  });
  origins.set(policy, {
    features: new Map([...status].map(([feature, entry]) => [feature, entry.origin])),
    groups: groups.map((group) => ({
      origin: group.origin,
      alternatives: group.alternatives.map((alt) => alt.origin),
    })),
    fields: new Map([...fields].map(([field, entry]) => [field, entry.origin])),
  });
  return ok(policy);
}

// Forbidding a feature takes it out of the groups declared before; a group left empty can never be met.
function removeAlternative(
  groups: Group[],
  name: FeatureName,
  origin: Origin,
  written: unknown,
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (let index = groups.length - 1; index >= 0; index--) {
    const group = groups[index]!;
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
      groups.splice(index, 1);
    } else {
      groups[index] = { origin: group.origin, alternatives: remaining };
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

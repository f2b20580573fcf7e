import type { PolicyIssue } from "../errors.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import type { LooseDocument, LooseMultiDocument } from "./decode-document.js";
import { formatPath, type IssueSite, issueAt, type PathSegment } from "./policy-issue.js";

/** The three feature lists of a policy, in the order a document declares them. */
export const FEATURE_LISTS = ["required", "optional", "forbidden"] as const;
export type FeatureStatus = (typeof FEATURE_LISTS)[number];

export interface ListEntry<N extends string = FeatureName> {
  readonly name: N;
  readonly index: number;
}

/** The decoded names of a list with their index, holes (invalid entries) left out. */
export const entriesOf = <N extends string = FeatureName>(
  list: readonly (N | undefined)[] | undefined,
): ListEntry<N>[] => (list ?? []).flatMap((name, index) => (name === undefined ? [] : [{ name, index }]));

/** The value at a path of a document as written (`UFFD_FEATURE_THREAD_ID`, not the decoded `THREAD_ID`). */
export function writtenAt(raw: unknown, segments: readonly PathSegment[]): unknown {
  let node = raw;
  for (const segment of segments) {
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

/**
 * The validate stage, for one document on its own: a feature in two of `required`, `optional`, `forbidden`
 * (or forbidden and an alternative of a group), an empty group. Linear: one map of first statuses (inputs
 * are bounded by the parse stage, and the error keeps the first `MAX_ISSUES`).
 */
export function checkDocument(document: LooseDocument, raw: unknown, site: IssueSite): PolicyIssue[] {
  return checkFeatures(document.features ?? {}, ["features"], raw, site);
}

/**
 * `checkDocument` for a version 2 document: its `userfaultfd` section as a version 1 document's `features`,
 * and a Landlock right in two of its section's `required`, `optional`, `forbidden`.
 */
export function checkMultiDocument(
  document: LooseMultiDocument,
  raw: unknown,
  site: IssueSite,
): PolicyIssue[] {
  return [
    ...(document.userfaultfd === undefined
      ? []
      : checkFeatures(document.userfaultfd, ["userfaultfd"], raw, site)),
    ...(document.landlock === undefined ? [] : checkLists(document.landlock, ["landlock"], raw, site).issues),
  ];
}

type Lists<N> = { readonly [Status in FeatureStatus]?: readonly (N | undefined)[] };

// A name in two of the lists, reported where it is met the second time; the first status of each name.
function checkLists<N extends string>(
  lists: Lists<N>,
  base: readonly PathSegment[],
  raw: unknown,
  site: IssueSite,
): {
  readonly issues: PolicyIssue[];
  readonly first: Map<N, { readonly status: FeatureStatus; readonly index: number }>;
} {
  const issues: PolicyIssue[] = [];
  const first = new Map<N, { readonly status: FeatureStatus; readonly index: number }>();
  for (const status of FEATURE_LISTS) {
    for (const { name, index } of entriesOf(lists[status])) {
      const earlier = first.get(name);
      if (earlier === undefined) {
        first.set(name, { status, index });
      } else if (earlier.status !== status) {
        const earlierPath = formatPath([...base, earlier.status, earlier.index]);
        issues.push(
          issueAt(
            site,
            [...base, status, index],
            `${name} is both ${earlier.status} (${earlierPath}) and ${status}`,
            {
              value: writtenAt(raw, [...base, status, index]),
              expected: [
                `${name} in only one of ${formatPath([...base, earlier.status])}, ${formatPath([...base, status])}`,
              ],
            },
          ),
        );
      }
    }
  }
  return { issues, first };
}

function checkFeatures(
  features: NonNullable<LooseDocument["features"]>,
  base: readonly PathSegment[],
  raw: unknown,
  site: IssueSite,
): PolicyIssue[] {
  const { issues, first } = checkLists<FeatureName>(features, base, raw, site);
  (features.oneOf ?? []).forEach((group, groupIndex) => {
    if (group === undefined) return;
    if (group.length === 0) {
      issues.push(
        issueAt(site, [...base, "oneOf", groupIndex], "an empty oneOf group can never be met", {
          value: [],
          expected: ["a list of at least one feature name"],
        }),
      );
    }
    for (const { name, index } of entriesOf(group)) {
      const forbidden = first.get(name);
      if (forbidden?.status !== "forbidden") continue;
      const forbiddenPath = formatPath([...base, "forbidden", forbidden.index]);
      issues.push(
        issueAt(
          site,
          [...base, "oneOf", groupIndex, index],
          `${name} is both forbidden (${forbiddenPath}) and an alternative of this oneOf group`,
          {
            value: writtenAt(raw, [...base, "oneOf", groupIndex, index]),
            expected: [
              `${name} in only one of ${formatPath([...base, "forbidden"])}, ${formatPath([...base, "oneOf", groupIndex])}`,
            ],
          },
        ),
      );
    }
  });
  return issues;
}

import type { FeatureName } from "../catalogue/catalogue.js";
import type { PolicyIssue } from "../errors.js";
import type { LooseDocument } from "./decode-document.js";
import { formatPath, type IssueSite, issueAt, type PathSegment } from "./policy-issue.js";

/** The three feature lists of a policy, in the order a document declares them. */
export const FEATURE_LISTS = ["required", "optional", "forbidden"] as const;
export type FeatureStatus = (typeof FEATURE_LISTS)[number];

export interface ListEntry {
  readonly name: FeatureName;
  readonly index: number;
}

/** The decoded names of a list with their index, holes (invalid entries) left out. */
export const entriesOf = (list: readonly (FeatureName | undefined)[] | undefined): ListEntry[] =>
  (list ?? []).flatMap((name, index) => (name === undefined ? [] : [{ name, index }]));

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
  const issues: PolicyIssue[] = [];
  const add = (issue: () => PolicyIssue) => {
    issues.push(issue());
  };
  const features = document.features ?? {};
  const first = new Map<FeatureName, { readonly status: FeatureStatus; readonly index: number }>();
  for (const status of FEATURE_LISTS) {
    for (const { name, index } of entriesOf(features[status])) {
      const earlier = first.get(name);
      if (earlier === undefined) {
        first.set(name, { status, index });
      } else if (earlier.status !== status) {
        const earlierPath = formatPath(["features", earlier.status, earlier.index]);
        add(() =>
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
      add(() =>
        issueAt(site, ["features", "oneOf", groupIndex], "an empty oneOf group can never be met", {
          value: [],
          expected: ["a list of at least one feature name"],
        }),
      );
    }
    for (const { name, index } of entriesOf(group)) {
      const forbidden = first.get(name);
      if (forbidden?.status !== "forbidden") continue;
      const forbiddenPath = formatPath(["features", "forbidden", forbidden.index]);
      add(() =>
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

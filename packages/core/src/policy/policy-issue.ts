import type { NegotiationError, PolicyIssue } from "../errors.js";
import { excerptValue, quoteText } from "./quote-value.js";

/** What `definePolicy`, `parsePolicy` and `loadPolicy` return on failure: every problem found, at once. */
export type PolicyError = Extract<NegotiationError, { readonly kind: "invalid-policy" }>;

/** One step of a path into a document: a key or an array index. */
export type PathSegment = string | number;

/** A 1-based line and column in a source text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Where issues of one document are reported: its file, and how to find a path's position in its text. */
export interface IssueSite {
  readonly file?: string;
  /** The position of the key (`key`) or value (`value`) at a path; the nearest existing ancestor when absent. */
  readonly locate?: (segments: readonly PathSegment[], target: "key" | "value") => SourcePosition | undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** How many issues a policy error describes; the rest are counted in a last issue. */
export const MAX_ISSUES = 100;

/** `features.required[2]`; keys that are not identifiers are quoted and escaped: `["odd key"]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${quoteText(segment)}]`;
  }
  return path;
}

/** An issue at a path of a document, with its source position when the document came from text. */
export function issueAt(
  site: IssueSite,
  segments: readonly PathSegment[],
  message: string,
  details: {
    readonly value?: unknown;
    readonly expected?: readonly string[];
    readonly target?: "key" | "value";
  } = {},
): PolicyIssue {
  const position = site.locate?.(segments, details.target ?? "value");
  return {
    path: formatPath(segments),
    message,
    ...(site.file === undefined ? {} : { file: site.file }),
    ...(position ? { line: position.line, column: position.column } : {}),
    ...("value" in details ? { value: excerptValue(details.value) } : {}),
    ...(details.expected ? { expected: details.expected } : {}),
  };
}

/**
 * `file:line:column path: message (expected: …)`, the form the CLI prints; "(expected: …)" only when the
 * message does not already name every expected value.
 */
export function formatPolicyIssue(issue: PolicyIssue): string {
  const where = [issue.file, issue.line, issue.column].filter((part) => part !== undefined).join(":");
  const path = issue.path === "" ? "(document)" : issue.path;
  const adds = issue.expected?.some((entry) => !issue.message.includes(entry)) ?? false;
  const expected = adds ? ` (expected: ${issue.expected!.join(", ")})` : "";
  return `${where === "" ? "" : `${where} `}${path}: ${issue.message}${expected}`;
}

/** The `invalid-policy` error for a non-empty list of issues; past `MAX_ISSUES`, a last issue counts the rest. */
export function policyError(all: readonly PolicyIssue[], unreported = 0): PolicyError {
  const shown = all.slice(0, MAX_ISSUES);
  const more = all.length - shown.length + unreported;
  const issues =
    more > 0
      ? [
          ...shown,
          {
            path: "",
            message: `${more} more problem${more === 1 ? "" : "s"} not shown (the limit is ${MAX_ISSUES})`,
            ...(shown.at(-1)?.file === undefined ? {} : { file: shown.at(-1)!.file! }),
          },
        ]
      : all;
  const files = [...new Set(issues.map((issue) => issue.file).filter((file) => file !== undefined))];
  const subject = files.length === 0 ? "the policy" : files.join(", ");
  const total = all.length + unreported;
  const count = total === 1 ? "1 problem" : `${total} problems`;
  return {
    kind: "invalid-policy",
    issues,
    message: `${count} in ${subject}:\n${issues.map((issue) => `  ${formatPolicyIssue(issue)}`).join("\n")}`,
  };
}

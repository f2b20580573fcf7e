import { formatPolicyIssue, type PolicyIssue } from "@negotiate/core";

/** An issue as one line, its `(expected: …)` only for what the message does not already say. */
export function issueText(issue: PolicyIssue): string {
  const expected = issue.expected?.filter((choice) => !issue.message.includes(choice));
  return formatPolicyIssue({ ...issue, expected: expected ?? [] });
}

/**
 * The issue of a policy file that could not be read at all (`cannot read X: no such file`), when that is the
 * only issue: such a file is not "invalid, 1 problem", it is missing or unreadable.
 */
export function unreadableIssue(issues: readonly PolicyIssue[]): PolicyIssue | undefined {
  const [only, ...others] = issues;
  return only && others.length === 0 && only.path === "" && only.line === undefined ? only : undefined;
}

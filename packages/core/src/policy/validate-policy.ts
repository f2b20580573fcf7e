import { dirname, resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import type { PolicyIssue } from "../errors.js";
import { copyPlainValue } from "./copy-plain-value.js";
import { mergeLayers } from "./merge-layers.js";
import { parsePolicyText } from "./parse-policy-text.js";
import type { Policy } from "./policy.js";
import { POLICY_DOCUMENT, POLICY_FILE, type PolicyFormat } from "./policy-document.js";
import { type PolicyError, policyError } from "./policy-issue.js";
import { realPathOf } from "./read-bounded-file.js";
import { type PolicySourceDocument, resolveExtends } from "./resolve-extends.js";

/** What a policy is validated from: text (a file's, or given to `parsePolicy`) or a value from code. */
export type PolicyOrigin =
  | { readonly kind: "text"; readonly text: string; readonly format: PolicyFormat; readonly file?: string }
  | { readonly kind: "code"; readonly value: unknown };

/**
 * The one validation path of `definePolicy`, `parsePolicy` and `loadPolicy`, as a pipeline whose stages are
 * one file each: (read: `read-bounded-file.ts`, in `loadPolicy`) → parse (`parse-policy-text.ts`; code values
 * are copied by `copy-plain-value.ts` instead) → decode (`decode-document.ts`) → resolve `extends`
 * (`resolve-extends.ts`, which decodes and checks every extended document) → validate (`check-document.ts`
 * per document, `merge-layers.ts` across them) → the policy, which `negotiate` plans (`decision.ts`).
 * Every issue of every document involved is reported at once, grouped by file.
 */
export function validatePolicy(origin: PolicyOrigin): Result<Policy<never, never>, PolicyError> {
  const root = sourceOf(origin);
  if (root.isErr()) return err(policyError(root.error));
  const { layers, issues, unreported } = resolveExtends(root.value);
  const merged = mergeLayers(layers);
  if (issues.length === 0 && merged.isOk()) return ok(merged.value);
  return err(policyError(bySource([...issues, ...(merged.isErr() ? merged.error : [])]), unreported));
}

function sourceOf(origin: PolicyOrigin): Result<PolicySourceDocument, PolicyIssue[]> {
  if (origin.kind === "code") {
    return copyPlainValue(origin.value)
      .map((raw): PolicySourceDocument => ({ raw, site: {}, spec: POLICY_DOCUMENT }))
      .mapErr((unreadable) => [{ path: unreadable.path, message: `the policy ${unreadable.message}` }]);
  }
  const { file } = origin;
  return parsePolicyText(origin.text, origin.format, {
    ...(file === undefined ? {} : { file }),
    excerpts: true,
  }).map(
    (parsed): PolicySourceDocument => ({
      ...parsed,
      spec: POLICY_FILE,
      directory: file === undefined ? process.cwd() : dirname(file),
      ...(file === undefined ? {} : { realPath: realPathOf(file).unwrapOr(resolve(file)) }),
    }),
  );
}

// Issues of each file together (files in the order they were met), in text order within a file.
function bySource(issues: readonly PolicyIssue[]): PolicyIssue[] {
  const rank = new Map<string | undefined, number>();
  for (const issue of issues) if (!rank.has(issue.file)) rank.set(issue.file, rank.size);
  return [...issues].sort(
    (a, b) =>
      rank.get(a.file)! - rank.get(b.file)! ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0),
  );
}

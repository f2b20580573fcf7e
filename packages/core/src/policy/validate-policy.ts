import { dirname, resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import type { PolicyIssue } from "../errors.js";
import { copyPlainValue } from "./copy-plain-value.js";
import { mergeLayers } from "./merge-layers.js";
import { mergeMultiLayers } from "./merge-multi-layers.js";
import type { MultiPolicy } from "./multi-policy.js";
import { MULTI_POLICY_DOCUMENT } from "./multi-policy-document.js";
import { parsePolicyText } from "./parse-policy-text.js";
import type { Policy } from "./policy.js";
import type { PolicyFormat } from "./policy-document.js";
import { issueAt, type PolicyError, policyError } from "./policy-issue.js";
import { realPathOf } from "./read-bounded-file.js";
import { documentSpecOf, type PolicySourceDocument, resolveExtends } from "./resolve-extends.js";

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
  return validate(origin, (merged, root) => {
    if (merged.userfaultfd !== undefined && merged.landlock === undefined) return ok(merged.userfaultfd);
    const section = merged.landlock === undefined ? [] : ["landlock"];
    return err(
      policyError([
        issueAt(
          root.site,
          section,
          `this policy has ${merged.userfaultfd === undefined ? "no userfaultfd section" : "a landlock section too"}: parsePolicy and loadPolicy give a userfaultfd section alone; use parseMultiPolicy or loadMultiPolicy to read every section`,
          { expected: ["parseMultiPolicy(text, options)", "loadMultiPolicy(path)"] },
        ),
      ]),
    );
  });
}

/**
 * `validatePolicy` for every version: a version 1 policy (and one that involves no version 2 document)
 * becomes `{ version: 2, name, userfaultfd }`, meaning exactly what it means as version 1.
 */
export function validateMultiPolicy(
  origin: PolicyOrigin,
): Result<MultiPolicy<never, never, never, never>, PolicyError> {
  return validate(origin, (merged) => ok(merged));
}

/** What `definePolicy` gives: a `MultiPolicy` for a document that declares `version: 2`, else a `Policy`. */
export function validateDeclaredPolicy(
  origin: PolicyOrigin,
): Result<Policy<never, never> | MultiPolicy<never, never, never, never>, PolicyError> {
  // A version 1 root is a userfaultfd layer itself: its policy always has that section.
  return validate(
    origin,
    (merged, root): Result<Policy<never, never> | MultiPolicy<never, never, never, never>, PolicyError> =>
      ok(root.spec === MULTI_POLICY_DOCUMENT ? merged : merged.userfaultfd!),
  );
}

// Resolves and merges; a chain of version 1 documents only is merged as version 1 always was.
function validate<T>(
  origin: PolicyOrigin,
  choose: (
    merged: MultiPolicy<never, never, never, never>,
    root: PolicySourceDocument,
  ) => Result<T, PolicyError>,
): Result<T, PolicyError> {
  const root = sourceOf(origin);
  if (root.isErr()) return err(policyError(root.error));
  const { layers, issues, unreported } = resolveExtends(root.value);
  const merged = layers.every((layer) => layer.version === 1)
    ? mergeLayers(layers).map(
        (policy): MultiPolicy<never, never, never, never> =>
          Object.freeze({
            version: 2 as const,
            ...(policy.name === undefined ? {} : { name: policy.name }),
            userfaultfd: policy,
          }),
      )
    : mergeMultiLayers(layers);
  if (issues.length === 0 && merged.isOk()) return choose(merged.value, root.value);
  return err(policyError(bySource([...issues, ...(merged.isErr() ? merged.error : [])]), unreported));
}

function sourceOf(origin: PolicyOrigin): Result<PolicySourceDocument, PolicyIssue[]> {
  if (origin.kind === "code") {
    return copyPlainValue(origin.value)
      .map((raw): PolicySourceDocument => ({ raw, site: {}, spec: documentSpecOf(raw, "code") }))
      .mapErr((unreadable) => [{ path: unreadable.path, message: `the policy ${unreadable.message}` }]);
  }
  const { file } = origin;
  return parsePolicyText(origin.text, origin.format, {
    ...(file === undefined ? {} : { file }),
    excerpts: true,
  }).map(
    (parsed): PolicySourceDocument => ({
      ...parsed,
      spec: documentSpecOf(parsed.raw, "file"),
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

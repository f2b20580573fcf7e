import { err, ok, type Result } from "neverthrow";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import type { Policy } from "./policy.js";
import type { PolicyFormat } from "./policy-document.js";
import { type PolicyError, policyError } from "./policy-issue.js";
import { type PolicyOrigin, validatePolicy } from "./validate-policy.js";

/** How `parsePolicy` reads its text. */
export interface ParsePolicyOptions {
  /** `yaml` or `json`; JSON must be strict JSON. Issues carry source positions in both. */
  readonly format: PolicyFormat;
  /**
   * The file the text came from: named in every issue, and the directory relative `extends` paths start
   * from. Default: none, and relative `extends` paths start from the current directory.
   */
  readonly file?: string;
}

/**
 * Validates a policy document given as text (the policy file format: `version: 1` required). Errors name the
 * path, line and column of every problem, in this text and in the files it extends. Total: a text that is
 * not a string, or options that are not `{ format: "yaml" | "json" }`, are an `invalid-policy` error.
 */
export function parsePolicy(
  text: string,
  options: ParsePolicyOptions,
): Result<Policy<never, FeatureName>, PolicyError> {
  return textOrigin(text, options).andThen(validatePolicy);
}

/** The origin `parsePolicy` and `parseMultiPolicy` validate: their arguments checked, never trusted. */
export function textOrigin(text: unknown, options: unknown): Result<PolicyOrigin, PolicyError> {
  const format =
    typeof options === "object" && options !== null ? (options as { format?: unknown }).format : undefined;
  const file =
    typeof options === "object" && options !== null ? (options as { file?: unknown }).file : undefined;
  if (typeof text !== "string")
    return err(policyError([{ path: "", message: "the policy text must be a string" }]));
  if (format !== "yaml" && format !== "json")
    return err(
      policyError([
        { path: "", message: 'options.format must be "yaml" or "json"', expected: ["yaml", "json"] },
      ]),
    );
  if (file !== undefined && typeof file !== "string")
    return err(policyError([{ path: "", message: "options.file must be a file name" }]));
  return ok({ kind: "text", text, format, ...(file === undefined ? {} : { file }) });
}

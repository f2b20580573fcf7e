import type { Result } from "neverthrow";
import type { FeatureName } from "../catalogue/catalogue.js";
import type { Policy } from "./policy.js";
import type { PolicyFormat } from "./policy-document.js";
import type { PolicyError } from "./policy-issue.js";
import { validatePolicy } from "./resolve-policy.js";

/** How `parsePolicy` reads its text. */
export interface ParsePolicyOptions {
  /** `yaml` or `json`; both are parsed with source positions, and JSON must also be strict JSON. */
  readonly format: PolicyFormat;
  /**
   * The file the text came from: named in every issue, and the directory relative `extends` paths start
   * from. Default: none, and relative `extends` paths start from the current directory.
   */
  readonly file?: string;
}

/**
 * Validates a policy document given as text (the policy file format: `version: 1` required). Errors name the
 * path, line and column of every problem, in this text and in the files it extends.
 */
export function parsePolicy(
  text: string,
  options: ParsePolicyOptions,
): Result<Policy<never, FeatureName>, PolicyError> {
  return validatePolicy({
    kind: "text",
    text,
    format: options.format,
    ...(options.file === undefined ? {} : { file: options.file }),
  });
}

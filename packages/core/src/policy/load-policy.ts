import { err, type Result } from "neverthrow";
import type { FeatureName } from "../catalogue/catalogue.js";
import { parsePolicy } from "./parse-policy.js";
import type { Policy } from "./policy.js";
import { type PolicyError, policyError } from "./policy-issue.js";
import { formatOfPath, readPolicyFile } from "./read-policy-file.js";

/**
 * Reads and validates a policy file: `.json` as JSON, anything else as YAML. Relative `extends` paths start
 * from the file's directory. An unreadable file is an `invalid-policy` error with one issue.
 */
export function loadPolicy(path: string): Result<Policy<never, FeatureName>, PolicyError> {
  const text = readPolicyFile(path);
  if (text.isErr()) {
    return err(policyError([{ path: "", file: path, message: `cannot read ${path}: ${text.error.reason}` }]));
  }
  return parsePolicy(text.value, { format: formatOfPath(path), file: path });
}

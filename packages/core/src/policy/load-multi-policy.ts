import type { Result } from "neverthrow";
import { readPolicyFile } from "./load-policy.js";
import type { MultiPolicy } from "./multi-policy.js";
import { parseMultiPolicy } from "./parse-multi-policy.js";
import { formatOfPath } from "./parse-policy-text.js";
import type { PolicyError } from "./policy-issue.js";

/**
 * Reads and validates a policy file of any version into a `MultiPolicy` (see `parseMultiPolicy`): `.json` as
 * JSON, anything else as YAML. Read like `loadPolicy`: bounded, regular files only, strict UTF-8; an
 * unreadable file is an `invalid-policy` error with one issue, "cannot read <path>: <reason>".
 */
export function loadMultiPolicy(path: string): Result<MultiPolicy, PolicyError> {
  return readPolicyFile(path).andThen(({ text }) =>
    parseMultiPolicy(text, { format: formatOfPath(path), file: path }),
  );
}

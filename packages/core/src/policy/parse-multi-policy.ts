import type { Result } from "neverthrow";
import type { MultiPolicy } from "./multi-policy.js";
import { type ParsePolicyOptions, textOrigin } from "./parse-policy.js";
import type { PolicyError } from "./policy-issue.js";
import { validateMultiPolicy } from "./validate-policy.js";

/**
 * Validates a policy document of any version given as text (`version: 1` or `2` required) into a
 * `MultiPolicy`: a version 2 document's sections, or a version 1 document as `{ version: 2, name, userfaultfd }`
 * (meaning exactly what it means as version 1). `extends` may mix versions; the result is version 2 whatever
 * it extends. Errors name the path, line and column of every problem, in this text and in the files it extends.
 * Total: bad arguments are an `invalid-policy` error, as for `parsePolicy`.
 */
export function parseMultiPolicy(
  text: string,
  options: ParsePolicyOptions,
): Result<MultiPolicy, PolicyError> {
  return textOrigin(text, options).andThen(validateMultiPolicy);
}

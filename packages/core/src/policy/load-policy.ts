import { err, ok, type Result } from "neverthrow";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import { parsePolicy } from "./parse-policy.js";
import { formatOfPath } from "./parse-policy-text.js";
import type { Policy } from "./policy.js";
import { type PolicyError, policyError } from "./policy-issue.js";
import { MAX_FILE_BYTES, readBoundedFile } from "./read-bounded-file.js";

/**
 * Reads and validates a policy file: `.json` as JSON, anything else as YAML. Relative `extends` paths start
 * from the file's directory. The file is read by the bounded reader (a regular file of at most 1 MiB, strict
 * UTF-8); an unreadable one is an `invalid-policy` error with one issue, "cannot read <path>: <reason>".
 */
export function loadPolicy(path: string): Result<Policy<never, FeatureName>, PolicyError> {
  return readPolicyFile(path).andThen(({ text }) =>
    parsePolicy(text, { format: formatOfPath(path), file: path }),
  );
}

/** The text of a policy file, read by the bounded reader; an unreadable one is one issue naming it. */
export function readPolicyFile(
  path: unknown,
): Result<{ readonly text: string; readonly path: string }, PolicyError> {
  if (typeof path !== "string")
    return err(policyError([{ path: "", message: "the policy path must be a string" }]));
  const file = readBoundedFile(path);
  if (file.isErr()) {
    return err(
      policyError([
        {
          path: "",
          file: path,
          message: `cannot read ${path}: ${file.error.reason}`,
          ...(file.error.kind === "too-large"
            ? { expected: [`a file of at most ${MAX_FILE_BYTES} bytes`] }
            : {}),
        },
      ]),
    );
  }
  return ok({ text: file.value.text, path });
}

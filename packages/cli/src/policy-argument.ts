import { err, ok, type Result } from "neverthrow";
import { type CliError, invalidFlag } from "./cli-error.js";

/** A command's policy file: given as its argument, or with `--policy` (kept for the commands that had only that). */
export interface PolicyFileFlags {
  readonly policy?: string;
}

/** The one policy file a command was given. Errors (exit 2): none, or two different ones. */
export function policyFileOf(argument: string | undefined, flags: PolicyFileFlags): Result<string, CliError> {
  if (argument !== undefined && flags.policy !== undefined && argument !== flags.policy)
    return err(
      invalidFlag(
        "--policy",
        flags.policy,
        ["the same file as the argument, or no --policy"],
        `two policy files given: ${JSON.stringify(argument)} and --policy ${JSON.stringify(flags.policy)}; give one`,
      ),
    );
  const file = argument ?? flags.policy;
  if (file === undefined)
    return err({
      kind: "invalid-usage",
      code: "missing-policy",
      message:
        "missing the policy file: give it as the argument (negotiate run policy.yaml) or with --policy",
    });
  return ok(file);
}

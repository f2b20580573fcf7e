import { formatPolicyIssue, lintPolicy, loadPolicy, type PolicyIssue } from "@negotiate/core";
import { EXIT, type ExitCode } from "./cli-error.js";
import { writeJson } from "./json-output.js";
import { type CliIo, type Style, styleFor } from "./output.js";

/** The flags of `negotiate check`. */
export interface CheckFlags {
  /** Lint warnings fail the check too (exit 2). */
  readonly strict?: boolean;
  readonly json?: boolean;
}

/** What `check` found in one file: `errors` make it invalid, `warnings` are lints of a valid policy. */
interface FileCheck {
  readonly file: string;
  readonly valid: boolean;
  readonly name?: string;
  readonly errors: readonly PolicyIssue[];
  readonly warnings: readonly PolicyIssue[];
}

function checkFile(file: string): FileCheck {
  const loaded = loadPolicy(file);
  if (loaded.isErr()) return { file, valid: false, errors: loaded.error.issues, warnings: [] };
  const policy = loaded.value;
  return {
    file,
    valid: true,
    ...(policy.name === undefined ? {} : { name: policy.name }),
    errors: [],
    warnings: lintPolicy(policy),
  };
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

function checkText(check: FileCheck, style: Style): string {
  const issues = [...check.errors, ...check.warnings].map((issue) => `    ${formatPolicyIssue(issue)}`);
  const title = check.name ? `${check.file} (${check.name})` : check.file;
  const verdict = !check.valid
    ? style.paint(`invalid, ${plural(check.errors.length, "problem")}`, "bad")
    : check.warnings.length
      ? style.paint(`valid, ${plural(check.warnings.length, "warning")}`, "warn")
      : style.paint("valid", "ok");
  return [`${title}: ${verdict}`, ...issues].join("\n");
}

/** `negotiate check`: validates and lints policy files. Exit 2 when one is invalid (or, with `--strict`, has warnings). */
export async function checkCommand(
  files: readonly string[],
  flags: CheckFlags,
  io: CliIo,
): Promise<ExitCode> {
  const checks = files.map(checkFile);
  const failed = checks.some((check) => !check.valid || (flags.strict === true && check.warnings.length > 0));
  if (flags.json) writeJson(io.stdout, { ok: !failed, files: checks });
  else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(`${checks.map((check) => checkText(check, style)).join("\n")}\n`);
  }
  return failed ? EXIT.invalidInput : EXIT.ok;
}

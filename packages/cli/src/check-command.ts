import { lintPolicy, loadMultiPolicy, type MultiPolicy, type PolicyIssue } from "@negotiate/core";
import { EXIT, type ExitCode } from "./cli-error.js";
import { writeJson } from "./json-output.js";
import { type CliIo, type Style, styleFor } from "./output.js";
import { issueText, unreadableIssue } from "./policy-issue-text.js";
import { escapeValue } from "./terminal-text.js";

/** The flags of `negotiate check`. */
export interface CheckFlags {
  /** Lint warnings fail the check too (exit 2). */
  readonly strict?: boolean;
  readonly json?: boolean;
}

/** What a valid policy asks of each kernel interface, by name. */
interface SectionSummary {
  readonly userfaultfd?: {
    readonly required: readonly string[];
    readonly optional: readonly string[];
    readonly forbidden: readonly string[];
    readonly oneOf: readonly (readonly string[])[];
    readonly strategy: string;
  };
  readonly landlock?: {
    readonly required: readonly string[];
    readonly optional: readonly string[];
    readonly forbidden: readonly string[];
    readonly rules: number;
    readonly unavailable: string;
    readonly threads: string;
    readonly strategy: string;
  };
}

/** What `check` found in one file: `errors` make it invalid, `warnings` are lints of a valid policy. */
interface FileCheck {
  readonly file: string;
  readonly valid: boolean;
  readonly name?: string;
  readonly sections?: SectionSummary;
  readonly errors: readonly PolicyIssue[];
  readonly warnings: readonly PolicyIssue[];
}

// Every version: a version 1 file is a policy with a userfaultfd section only.
function checkFile(file: string): FileCheck {
  const loaded = loadMultiPolicy(file);
  if (loaded.isErr()) return { file, valid: false, errors: loaded.error.issues, warnings: [] };
  const policy = loaded.value;
  return {
    file,
    valid: true,
    ...(policy.name === undefined ? {} : { name: policy.name }),
    sections: sectionsOf(policy),
    errors: [],
    warnings: policy.userfaultfd === undefined ? [] : lintPolicy(policy.userfaultfd),
  };
}

function sectionsOf({ userfaultfd, landlock }: MultiPolicy): SectionSummary {
  return {
    ...(userfaultfd === undefined
      ? {}
      : {
          userfaultfd: {
            required: userfaultfd.required.names(),
            optional: userfaultfd.optional.names(),
            forbidden: userfaultfd.forbidden.names(),
            oneOf: userfaultfd.oneOf,
            strategy: userfaultfd.strategy,
          },
        }),
    ...(landlock === undefined
      ? {}
      : {
          landlock: {
            required: landlock.required,
            optional: landlock.optional,
            forbidden: landlock.forbidden,
            rules: landlock.rules.length,
            unavailable: landlock.unavailable,
            threads: landlock.threads,
            strategy: landlock.strategy,
          },
        }),
  };
}

// One line per section, for a policy with more than a userfaultfd section (a version 1 policy shows none).
function sectionLines(sections: SectionSummary | undefined): string[] {
  if (sections?.landlock === undefined) return [];
  const names = (label: string, list: readonly string[]) =>
    list.length > 0 ? [`${label} ${list.join(", ")}`] : [];
  const { userfaultfd, landlock } = sections;
  const lines = [];
  if (userfaultfd !== undefined) {
    const parts = [
      ...names("required", userfaultfd.required),
      ...names("optional", userfaultfd.optional),
      ...names("forbidden", userfaultfd.forbidden),
      ...userfaultfd.oneOf.map((group) => `one of ${group.join(" | ")}`),
      `strategy ${userfaultfd.strategy}`,
    ];
    lines.push(`  userfaultfd  ${parts.join("; ")}`);
  }
  const parts = [
    ...names("required", landlock.required),
    ...names("optional", landlock.optional),
    ...names("forbidden", landlock.forbidden),
    plural(landlock.rules, "rule"),
    `unavailable ${landlock.unavailable}`,
    `threads ${landlock.threads}`,
    `strategy ${landlock.strategy}`,
  ];
  lines.push(`  landlock     ${parts.join("; ")}`);
  return lines.map(escapeValue);
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

function checkText(check: FileCheck, strict: boolean, style: Style): string {
  const title = escapeValue(check.name ? `${check.file} (${check.name})` : check.file);
  // "cannot read <file>: …" names the file already.
  const unreadable = unreadableIssue(check.errors);
  if (unreadable) return style.paint(escapeValue(unreadable.message), "bad");
  const issues = [...check.errors, ...check.warnings].map((issue) => `    ${escapeValue(issueText(issue))}`);
  const warnings = plural(check.warnings.length, "warning");
  const verdict = !check.valid
    ? style.paint(`invalid, ${plural(check.errors.length, "problem")}`, "bad")
    : check.warnings.length
      ? style.paint(strict ? `fails --strict: ${warnings}` : `valid, ${warnings}`, strict ? "bad" : "warn")
      : style.paint("valid", "ok");
  return [`${title}: ${verdict}`, ...sectionLines(check.sections), ...issues].join("\n");
}

/** With `--strict`, the line that says which files' warnings failed the check. */
function strictSummary(checks: readonly FileCheck[]): string[] {
  const warned = checks.filter((check) => check.valid && check.warnings.length > 0);
  if (warned.length === 0) return [];
  const which = warned.map(
    (check) => `${check.file} (${check.warnings.map((issue) => issue.path || "(document)").join(", ")})`,
  );
  return [`--strict: failed on the warnings of ${which.map(escapeValue).join("; ")}`];
}

/** `negotiate check`: validates and lints policy files. Exit 2 when one is invalid (or, with `--strict`, has warnings). */
export async function checkCommand(
  files: readonly string[],
  flags: CheckFlags,
  io: CliIo,
): Promise<ExitCode> {
  const strict = flags.strict === true;
  const checks = files.map(checkFile);
  const failed = checks.some((check) => !check.valid || (strict && check.warnings.length > 0));
  if (flags.json) writeJson(io.stdout, { ok: !failed, files: checks });
  else {
    const style = styleFor(io.stdout, io.env);
    const summary = strict ? strictSummary(checks) : [];
    io.stdout.write(
      `${[...checks.map((check) => checkText(check, strict, style)), ...summary].join("\n")}\n`,
    );
  }
  return failed ? EXIT.invalidInput : EXIT.ok;
}

import { EXIT } from "./cli-error.js";

/** What a command's exit codes mean, in its own words; every command shares 2 and 70. */
export interface ExitMeanings {
  readonly ok: string;
  readonly failed?: string;
  /** Codes of this command alone, listed after the shared ones. */
  readonly more?: readonly (readonly [number, string])[];
}

/**
 * The text `--help` shows after a command's options: examples, exit codes, and the environment variables it
 * reads (only `NO_COLOR`).
 */
export function helpAfter(examples: readonly string[], exits: ExitMeanings): string {
  const codes: (readonly [number, string])[] = [
    [EXIT.ok, exits.ok],
    ...(exits.failed ? [[EXIT.failed, exits.failed] as const] : []),
    [EXIT.invalidInput, "invalid input: a policy, a flag, a file, an unknown feature, a usage error"],
    [EXIT.internal, "internal error (a bug), reported in one line (as JSON with --json)"],
    ...(exits.more ?? []),
  ];
  const width = Math.max(...codes.map(([code]) => String(code).length)) + 1;
  return [
    "",
    "Examples:",
    ...examples.map((example) => `  $ ${example}`),
    "",
    "Exit codes:",
    ...codes.map(([code, meaning]) => `  ${String(code).padEnd(width)}${meaning}`),
    "",
    "Environment:",
    "  NO_COLOR  set and not empty: no colours (colours are only ever used on a terminal)",
    "",
  ].join("\n");
}

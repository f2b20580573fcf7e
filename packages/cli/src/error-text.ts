import { describeCause } from "@negotiate/core/engine";
import { type CliError, type ExitCode, exitCodeOf } from "./cli-error.js";
import { writeJson } from "./json-output.js";
import { type CliIo, type Style, styleFor } from "./output.js";

/** What an error's message does not already say: name suggestions, the permission cause and its hint. */
function details(error: CliError): string[] {
  switch (error.kind) {
    case "unknown-feature":
      return error.suggestions.length ? [`did you mean ${error.suggestions.join(", ")}?`] : [];
    case "permission-denied":
      return [`cause: ${describeCause(error.cause)}`, `hint: ${error.hint}`];
    // These messages already list the issues, the missing features or the refused open modes.
    case "invalid-policy":
    case "missing-required":
    case "unsupported":
    case "missing-optional":
    case "kernel-rejected":
    case "resource-exhausted":
    case "backend-unavailable":
    case "unexpected":
    case "invalid-flag":
    case "file-error":
    case "invalid-profile":
      return [];
  }
}

/** An error for a person: `error: message`, then indented details and an optional closing hint. */
function errorText(error: CliError, style: Style, hint?: string): string {
  const lines = [
    `${style.paint("error:", "bad")} ${error.message}`,
    ...details(error).map((line) => `  ${line}`),
  ];
  if (hint) lines.push(style.paint(hint, "warn"));
  return `${lines.join("\n")}\n`;
}

/**
 * Reports a failed command, as `{"ok":false,"error":…}` on stdout with `--json` or as text on stderr, and
 * returns its exit code. `hint` is a closing suggestion (how to use the mock when the real kernel cannot be).
 */
export function reportFailure(
  error: CliError,
  io: CliIo,
  json: boolean | undefined,
  hint?: string,
): ExitCode {
  if (json) writeJson(io.stdout, { ok: false, error, ...(hint ? { hint } : {}) });
  else io.stderr.write(errorText(error, styleFor(io.stderr, io.env), hint));
  return exitCodeOf(error);
}

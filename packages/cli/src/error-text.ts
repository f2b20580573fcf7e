import { describeCause } from "@negotiate/core/engine";
import { type CliError, type ExitCode, exitCodeOf } from "./cli-error.js";
import { writeJsonFailure } from "./json-output.js";
import { type CliIo, type Style, styleFor } from "./output.js";
import { issueText, unreadableIssue } from "./policy-issue-text.js";
import { escapeValue } from "./terminal-text.js";

/** What an error's message does not already say: name suggestions, the permission cause and its hint. */
function details(error: CliError): string[] {
  switch (error.kind) {
    case "permission-denied":
      return [`cause: ${describeCause(error.cause)}`, `hint: ${error.hint}`];
    case "threads-unconfined":
      return [`hint: ${error.hint}`];
    // These messages already list the issues, the suggestions, the missing features or the refused open modes.
    case "unknown-feature":
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
    case "invalid-usage":
    case "internal":
      return [];
  }
}

// A policy's issues are listed one per line, without what they repeat; an unreadable file is one line.
function messageLines(error: CliError): string[] {
  if (error.kind !== "invalid-policy") return error.message.split("\n");
  const unreadable = unreadableIssue(error.issues);
  if (unreadable) return [unreadable.message];
  const [summary = error.message] = error.message.split("\n");
  return [summary, ...error.issues.map((issue) => `  ${issueText(issue)}`)];
}

/** An error for a person: `error: message`, then indented details and an optional closing hint. */
function errorText(error: CliError, style: Style, hint?: string): string {
  const [first = "", ...more] = messageLines(error).map(escapeValue);
  const lines = [
    `${style.paint("error:", "bad")} ${first}`,
    ...more,
    // A detail the message already says (the cause of the only refused mode) is not said twice.
    ...details(error)
      .filter((line) => !error.message.includes(line.slice(line.indexOf(": ") + 2)))
      .map((line) => `  ${escapeValue(line)}`),
  ];
  if (hint) lines.push(style.paint(escapeValue(hint), "warn"));
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
  if (json) return writeJsonFailure(io.stdout, error, hint);
  io.stderr.write(errorText(error, styleFor(io.stderr, io.env), hint));
  return exitCodeOf(error);
}

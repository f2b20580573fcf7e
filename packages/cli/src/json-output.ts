import { type CliError, type ExitCode, exitCodeOf } from "./cli-error.js";
import type { OutputStream } from "./output.js";

// `FeatureSet.toJSON()` already yields its names; JSON has no u64, so masks become `0x…` strings.
const replacer = (_key: string, value: unknown): unknown =>
  typeof value === "bigint" ? `0x${value.toString(16)}` : value;

/** The JSON text of a command's result: bigints as lower-case hex strings, feature sets as names. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, replacer, 2);
}

/** Writes one JSON document and a newline: every command's `--json` output goes through here. */
export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${jsonText(value)}\n`);
}

/**
 * A failed command's `--json` output, `{"ok":false,"error":…}` with an optional closing `hint`, and its exit code.
 * Apart from the text `reportFailure` (error-text.ts) writes otherwise, so that what needs only this (a usage
 * error, an internal one) loads no text rendering, nor the core's policy code its policy issues need.
 */
export function writeJsonFailure(stream: OutputStream, error: CliError, hint?: string): ExitCode {
  writeJson(stream, { ok: false, error, ...(hint ? { hint } : {}) });
  return exitCodeOf(error);
}

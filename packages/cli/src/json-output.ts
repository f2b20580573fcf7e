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

import { UNSAFE_CHARACTERS as UNSAFE } from "@negotiate/core/engine";
import type { OutputStream } from "./output.js";

const UNSAFE_IN_VALUE = new RegExp(`[${UNSAFE}\\n]`, "g");
// What the CLI's own colours are (picocolors' SGR sequences), kept; anything else unsafe is escaped.
const UNSAFE_IN_OUTPUT = new RegExp(`(\\u001b\\[\\d+(?:;\\d+)*m)|[${UNSAFE}]`, "g");

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

// `\u001b`: the JSON spelling, so that escaping inside a JSON string leaves the document equal.
const escapeChar = (char: string): string =>
  NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * A value from outside the CLI (a policy name, a path, a release from a profile, a message quoting them) as it
 * may appear inside one line of text: every control and bidirectional character, newlines included, written as
 * its escape (`\u001b`, `\n`), so that no value can move the cursor, recolour, retitle or add a line.
 */
export function escapeValue(text: string): string {
  return text.replace(UNSAFE_IN_VALUE, escapeChar);
}

/**
 * A stream that escapes every control character its text carries except newlines and the CLI's own colour
 * sequences: the last line of defence for whatever reached the output without `escapeValue` (commander's
 * messages quoting an argument, say). JSON output passes unchanged in meaning: it has controls only inside
 * strings, where the escapes are JSON's own. `isTTY` is read from the stream only when asked.
 */
export function escapingStream(stream: OutputStream): OutputStream {
  return {
    write: (text: string) =>
      stream.write(
        text.replace(UNSAFE_IN_OUTPUT, (char, sgr: string | undefined) => sgr ?? escapeChar(char)),
      ),
    get isTTY() {
      return stream.isTTY === true;
    },
  };
}

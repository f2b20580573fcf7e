import { describe, expect, it } from "vitest";
import { hasControlCharacter, quoteText } from "../../src/policy/quote-value.js";

// The characters a terminal acts on: controls, separators, and the bidirectional marks that reorder a line.
const UNSAFE = [
  "\u0000",
  "\n",
  "\u001b",
  "\u007f",
  "\u009b",
  "\u200e",
  "\u200f",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u2066",
];

describe("quote-value", () => {
  it.each(UNSAFE.map((char) => [char.charCodeAt(0).toString(16), char]))(
    "U+%s is a control character in a name, and is escaped when quoted",
    (_code, char) => {
      expect(hasControlCharacter(`a${char}b`)).toBe(true);
      expect(quoteText(`a${char}b`)).not.toContain(char);
    },
  );

  it("lets plain text through unchanged", () => {
    expect(hasControlCharacter("lazy-restore ü 漢字")).toBe(false);
    expect(quoteText("lazy-restore")).toBe('"lazy-restore"');
  });
});

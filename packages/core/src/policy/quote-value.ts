/** The longest excerpt of a string that messages and issues quote. */
export const MAX_EXCERPT = 40;

/**
 * The characters no value may carry raw to a terminal, as the body of a regular expression's character class
 * (for the CLI's escaping too): C0 controls but the newline (callers decide about it), DEL and C1 controls
 * (U+009B is a CSI to some terminals), the line and paragraph separators, and the bidirectional marks,
 * embeddings, overrides and isolates that reorder what a terminal shows.
 */
export const UNSAFE_CHARACTERS =
  "\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";
const UNSAFE = new RegExp(`[${UNSAFE_CHARACTERS}\\n]`, "g");

/** `true` when `text` holds a control character (or a bidirectional override), which names may not. */
export function hasControlCharacter(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}

/** At most `MAX_EXCERPT` characters of `text`, with `…` when cut. */
export function excerptText(text: string): string {
  return text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT)}…` : text;
}

/** A string for a message: a short excerpt, double-quoted, every control character escaped (`\u001b`). */
export function quoteText(text: string): string {
  return JSON.stringify(excerptText(text)).replace(
    UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * What an issue keeps of a value as written: scalars as they are (strings cut to an excerpt), small lists and
 * mappings as they are, larger ones as a phrase ("a list of 20000 entries"). Never walks more than a few nodes.
 */
export function excerptValue(value: unknown): unknown {
  if (typeof value === "string") return excerptText(value);
  if (typeof value !== "object" || value === null) return value;
  const budget = { nodes: 12 };
  const small = smallCopy(value, budget, 0);
  if (small !== undefined) return small;
  return Array.isArray(value)
    ? `(a list of ${value.length} entries)`
    : `(a mapping of ${Object.keys(value).length} keys)`;
}

// A copy of a value within the node budget and 3 levels, or `undefined` when it does not fit.
function smallCopy(value: unknown, budget: { nodes: number }, depth: number): unknown {
  if (--budget.nodes < 0 || depth > 3) return undefined;
  if (typeof value === "string") return value.length > MAX_EXCERPT ? undefined : value;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    if (value.length > budget.nodes) return undefined;
    const copy: unknown[] = [];
    for (const entry of value) {
      const item = smallCopy(entry, budget, depth + 1);
      if (item === undefined && entry !== undefined) return undefined;
      copy.push(item);
    }
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length > budget.nodes) return undefined;
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    if (key.length > MAX_EXCERPT) return undefined;
    const item = smallCopy((value as Record<string, unknown>)[key], budget, depth + 1);
    if (item === undefined) return undefined;
    Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

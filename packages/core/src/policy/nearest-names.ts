import { levenshtein } from "./lazy-dependencies.js";

/** The Levenshtein distance of two strings; the library is loaded by the first misspelling. */
export const editDistance = (a: string, b: string): number => levenshtein().distance(a, b);

/** The candidates nearest to `input` (containing it, or by edit distance); all of them when none is near. */
export function nearestNames(input: string, candidates: readonly string[]): string[] {
  const threshold = Math.max(2, Math.ceil(input.length / 3));
  const lower = input.toLowerCase();
  const scored = candidates
    .map((candidate) => {
      const other = candidate.toLowerCase();
      const contained = lower.length >= 3 && (other.includes(lower) || lower.includes(other));
      return { candidate, score: contained ? 0 : editDistance(lower, other) };
    })
    .filter((entry) => entry.score <= threshold)
    .sort((a, b) => a.score - b.score);
  return scored.length > 0 ? scored.map((entry) => entry.candidate) : [...candidates];
}

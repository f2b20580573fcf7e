import { err, ok, type Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import { editDistance } from "../policy/nearest-names.js";
import { excerptText, quoteText } from "../policy/quote-value.js";
import { catalogue, type FeatureName } from "./catalogue.js";
import type { FeatureDefinition } from "./feature-definition.js";

export type CatalogueEntry = (typeof catalogue)[number];

/** The prefix of the kernel's own spelling, `UFFD_FEATURE_THREAD_ID`. */
export const FEATURE_NAME_PREFIX = "UFFD_FEATURE_";

/** Each known feature's single-bit mask with its name, in bit order. */
export const FEATURE_MASKS: readonly (readonly [bigint, FeatureName])[] = catalogue.map((entry) => [
  1n << BigInt(entry.bit),
  entry.name,
]);

/** Every bit the catalogue knows, as one mask. */
export const KNOWN_FEATURES_MASK: bigint = FEATURE_MASKS.reduce((mask, [bit]) => mask | bit, 0n);

const byName = new Map<string, CatalogueEntry>(catalogue.map((entry) => [entry.name, entry]));
const byBit = new Map<number, CatalogueEntry>(catalogue.map((entry) => [entry.bit, entry]));
const masks = new Map<string, bigint>(FEATURE_MASKS.map(([bit, name]) => [name, bit]));

/** The definition of a known feature. */
export function featureDefinition(name: FeatureName): FeatureDefinition<FeatureName> {
  return byName.get(name)!;
}

/** The feature at a bit position, if the catalogue knows it. */
export function featureAtBit(bit: number): CatalogueEntry | undefined {
  return byBit.get(bit);
}

/** The feature's single-bit mask. */
export function featureBit(name: FeatureName): bigint {
  return masks.get(name)!;
}

/** A name typed by a person that the catalogue does not know: the `unknown-feature` error, with the closest known names. */
export type UnknownFeatureName = Extract<NegotiationError, { readonly kind: "unknown-feature" }>;

/** `true` for a catalogue name as the catalogue spells it (`THREAD_ID`). */
export function isFeatureName(value: unknown): value is FeatureName {
  return typeof value === "string" && byName.has(value);
}

/** The catalogue's name for `THREAD_ID` or `UFFD_FEATURE_THREAD_ID` (case-sensitive), or `undefined`. */
export function canonicalFeatureName(input: string): FeatureName | undefined {
  return typeof input === "string" ? byName.get(withoutPrefix(input))?.name : undefined;
}

const withoutPrefix = (input: string): string =>
  input.startsWith(FEATURE_NAME_PREFIX) ? input.slice(FEATURE_NAME_PREFIX.length) : input;

/**
 * Resolves `THREAD_ID` or `UFFD_FEATURE_THREAD_ID` to the catalogue's name (names are case-sensitive, as in
 * policy files). An unknown name comes back as `unknown-feature` with up to three suggestions, nearest first.
 */
export function parseFeatureName(input: string): Result<FeatureName, UnknownFeatureName> {
  if (typeof input !== "string") {
    return err({
      kind: "unknown-feature",
      name: String(typeof input),
      suggestions: [],
      message: `a feature name must be a string, not a ${input === null ? "null" : typeof input}`,
    });
  }
  const name = canonicalFeatureName(input);
  if (name) return ok(name);
  // Long inputs are not compared: no feature name is near them, and comparing costs their length.
  const suggestions = input.length > 64 ? [] : suggestFeatureNames(withoutPrefix(input));
  return err({
    kind: "unknown-feature",
    name: excerptText(input),
    suggestions,
    message: `unknown feature ${quoteText(input)}${suggestions.length > 0 ? `; did you mean ${suggestions.join(", ")}?` : ""}`,
  });
}

/** Known names closest to `input`: by edit distance, then any that contain it or are contained in it. */
export function suggestFeatureNames(input: string, limit = 3): FeatureName[] {
  const bare = input.toUpperCase().replace(/^UFFD_FEATURE_/, "");
  const scored = catalogue.map((entry) => {
    if (entry.name === bare) return { name: entry.name, score: -1 };
    const contained = bare.length >= 3 && (entry.name.includes(bare) || bare.includes(entry.name));
    return { name: entry.name, score: contained ? 0 : editDistance(bare, entry.name) };
  });
  const threshold = Math.max(3, Math.ceil(bare.length / 2));
  return scored
    .filter((candidate) => candidate.score <= threshold)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((candidate) => candidate.name);
}

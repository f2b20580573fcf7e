import { err, ok, type Result } from "neverthrow";
import { quoteText } from "../policy/quote-value.js";
import type { FeatureName, FeatureNameInput } from "./catalogue.js";
import {
  FEATURE_MASKS,
  featureBit,
  isFeatureName,
  KNOWN_FEATURES_MASK,
  parseFeatureName,
  type UnknownFeatureName,
} from "./feature-lookup.js";

const describeName = (name: unknown): string =>
  typeof name === "string" ? quoteText(name) : `a ${name === null ? "null" : typeof name}`;

/** The largest u64: every feature mask is within 0..U64_MAX. */
export const U64_MAX = (1n << 64n) - 1n;

/**
 * Internal to core (not exported by the package): a set from a mask already known to be u64, such as a
 * kernel's reply field or the result of set operations, without the range check's Result.
 */
export let featureSetOfU64: (mask: bigint) => FeatureSet;

/** A mask that is not an unsigned 64-bit integer. */
export interface InvalidFeatureMask {
  readonly mask: bigint;
}

/**
 * An immutable set of userfaultfd features backed by a u64 `bigint` mask.
 * Bits the catalogue does not know are kept (a kernel may report them) and listed by `unknownBits()`.
 */
export class FeatureSet {
  static readonly EMPTY: FeatureSet = new FeatureSet(0n);

  private constructor(readonly mask: bigint) {}

  /** A set from a mask; anything outside 0..2^64-1 is refused. */
  static fromMask(mask: bigint): Result<FeatureSet, InvalidFeatureMask> {
    return mask < 0n || mask > U64_MAX ? err({ mask }) : ok(FeatureSet.ofMask(mask));
  }

  /**
   * A set of known names. Typed, so it does not fail for names the compiler checked; anything else (a name
   * cast past the compiler, `"constructor"`) throws a `TypeError` naming it: use `parse` for names from people.
   */
  static of(...names: readonly FeatureName[]): FeatureSet {
    let mask = 0n;
    for (const name of names) {
      const bit = isFeatureName(name) ? featureBit(name) : undefined;
      if (bit === undefined)
        throw new TypeError(
          `FeatureSet.of: ${describeName(name)} is not a feature name; FeatureSet.parse checks names from people`,
        );
      mask |= bit;
    }
    return FeatureSet.ofMask(mask);
  }

  /**
   * A set from names typed by a person: bare or `UFFD_FEATURE_`-prefixed; the first unknown one (or one that
   * is not a string) is `unknown-feature`. Throws a `TypeError` when `names` is not an array.
   */
  static parse(names: readonly (FeatureNameInput | string)[]): Result<FeatureSet, UnknownFeatureName> {
    if (!Array.isArray(names)) throw new TypeError("FeatureSet.parse: names must be an array of strings");
    let mask = 0n;
    for (const input of names) {
      const name = parseFeatureName(input);
      if (name.isErr()) return err(name.error);
      mask |= featureBit(name.value);
    }
    return ok(FeatureSet.ofMask(mask));
  }

  /** Every feature the catalogue knows. */
  static all(): FeatureSet {
    return FeatureSet.ofMask(KNOWN_FEATURES_MASK);
  }

  private static ofMask(mask: bigint): FeatureSet {
    return mask === 0n ? FeatureSet.EMPTY : new FeatureSet(mask);
  }

  static {
    featureSetOfU64 = FeatureSet.ofMask;
  }

  union(other: FeatureSet): FeatureSet {
    return FeatureSet.ofMask(this.mask | other.mask);
  }

  intersect(other: FeatureSet): FeatureSet {
    return FeatureSet.ofMask(this.mask & other.mask);
  }

  difference(other: FeatureSet): FeatureSet {
    return FeatureSet.ofMask(this.mask & ~other.mask);
  }

  /** `false` for any name the catalogue does not know. */
  has(name: FeatureName): boolean {
    return isFeatureName(name) && (this.mask & featureBit(name)) !== 0n;
  }

  /** `true` when every feature of `other` is in this set. */
  covers(other: FeatureSet): boolean {
    return (other.mask & ~this.mask) === 0n;
  }

  get isEmpty(): boolean {
    return this.mask === 0n;
  }

  equals(other: FeatureSet): boolean {
    return this.mask === other.mask;
  }

  /** Known feature names in bit order. */
  names(): FeatureName[] {
    const names: FeatureName[] = [];
    for (const [bit, name] of FEATURE_MASKS) if ((this.mask & bit) !== 0n) names.push(name);
    return names;
  }

  /** Bit positions set here that the catalogue does not know. */
  unknownBits(): number[] {
    const unknown = this.mask & ~KNOWN_FEATURES_MASK;
    const bits: number[] = [];
    for (let bit = 0; bit < 64; bit++) if ((unknown >> BigInt(bit)) & 1n) bits.push(bit);
    return bits;
  }

  /** Lower-case hex with `0x`, e.g. `0x1ffff`. */
  hex(): string {
    return `0x${this.mask.toString(16)}`;
  }

  toString(): string {
    const labels = [...this.names(), ...this.unknownBits().map((bit) => `bit${bit}`)];
    return `{${labels.join(", ")}}`;
  }

  toJSON(): string[] {
    return this.names();
  }
}

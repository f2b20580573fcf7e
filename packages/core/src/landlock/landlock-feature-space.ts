import { LANDLOCK_CATALOGUE } from "./landlock-catalogue.js";
import { LANDLOCK_GROUPS, type LandlockGroup, type LandlockMasks } from "./landlock-definition.js";
import {
  EMPTY_LANDLOCK_MASKS,
  type LandlockCatalogueEntry,
  landlockMasksAt,
  landlockRight,
} from "./landlock-lookup.js";

/**
 * Landlock's groups side by side in one bigint, the feature space the negotiation core works in: each group's
 * u64 (restrict and rule flags: u32) at its own offset, so one mask holds a whole request.
 */
export const LANDLOCK_GROUP_OFFSETS: { readonly [Group in LandlockGroup]: bigint } = {
  fs: 0n,
  net: 64n,
  scope: 128n,
  restrict: 192n,
  rule: 256n,
};

const U64 = (1n << 64n) - 1n;

/** The space bit of one catalogue row. */
export const spaceBitOf = (entry: LandlockCatalogueEntry): bigint =>
  1n << (LANDLOCK_GROUP_OFFSETS[entry.group] + BigInt(entry.bit));

/** The names of the rights in a space mask, in catalogue order. */
export const namesOfSpace = (space: bigint): string[] =>
  LANDLOCK_CATALOGUE.filter((entry) => (spaceBitOf(entry) & space) !== 0n).map((entry) => entry.name);

/** Per-group masks as one space mask. */
export function spaceOfMasks(masks: LandlockMasks): bigint {
  let space = 0n;
  for (const group of LANDLOCK_GROUPS) space |= (masks[group] & U64) << LANDLOCK_GROUP_OFFSETS[group];
  return space;
}

const MASKS_CACHE_LIMIT = 256;
const masksCache = new Map<bigint, LandlockMasks>();
// The hot path asks for the same mask again and again: found without hashing a bigint.
let lastSpace: bigint | undefined;
let lastMasks: LandlockMasks | undefined;

/** A space mask as per-group masks (frozen; memoised, since a process meets few distinct masks). */
export function masksOfSpace(space: bigint): LandlockMasks {
  if (space === 0n) return EMPTY_LANDLOCK_MASKS;
  if (space === lastSpace) return lastMasks!;
  let masks = masksCache.get(space);
  if (!masks) {
    masks = Object.freeze({
      fs: (space >> LANDLOCK_GROUP_OFFSETS.fs) & U64,
      net: (space >> LANDLOCK_GROUP_OFFSETS.net) & U64,
      scope: (space >> LANDLOCK_GROUP_OFFSETS.scope) & U64,
      restrict: (space >> LANDLOCK_GROUP_OFFSETS.restrict) & U64,
      rule: (space >> LANDLOCK_GROUP_OFFSETS.rule) & U64,
    });
    if (masksCache.size >= MASKS_CACHE_LIMIT) masksCache.clear();
    masksCache.set(space, masks);
  }
  lastSpace = space;
  lastMasks = masks;
  return masks;
}

/** The space mask of names, bare or prefixed; unknown names are left out (policies are validated before). */
export function spaceOfNames(names: readonly string[]): bigint {
  let space = 0n;
  for (const name of names) {
    const entry = landlockRight(name);
    if (entry) space |= spaceBitOf(entry);
  }
  return space;
}

// Index n: what ABI n knows, as a space mask.
const SPACE_BY_ABI = new Map<number, bigint>();

/** Everything ABI `abi` knows, as a space mask (above the newest known: the newest). */
export function spaceAtAbi(abi: number): bigint {
  let space = SPACE_BY_ABI.get(abi);
  if (space === undefined) {
    space = spaceOfMasks(landlockMasksAt(abi));
    if (SPACE_BY_ABI.size < 64) SPACE_BY_ABI.set(abi, space);
  }
  return space;
}

/** The flags of `landlock_restrict_self` and `landlock_add_rule`: not part of the ruleset's struct. */
export const FLAG_SPACE: bigint =
  (U64 << LANDLOCK_GROUP_OFFSETS.restrict) | (U64 << LANDLOCK_GROUP_OFFSETS.rule);

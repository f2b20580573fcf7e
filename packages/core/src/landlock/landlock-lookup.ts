import { err, ok, type Result } from "neverthrow";
import { type KernelVersion, kernelAtLeast } from "../kernel-release.js";
import { excerptText, quoteText } from "../policy/quote-value.js";
import { LANDLOCK_ABIS, LANDLOCK_CATALOGUE, LANDLOCK_ERRATA } from "./landlock-catalogue.js";
import {
  LANDLOCK_GROUPS,
  LANDLOCK_PREFIXES,
  type LandlockAbiDefinition,
  type LandlockGroup,
  type LandlockMasks,
} from "./landlock-definition.js";

/** One row of the Landlock catalogue. */
export type LandlockCatalogueEntry = (typeof LANDLOCK_CATALOGUE)[number];

/** A right or flag as the catalogue spells it (`READ_FILE`, `BIND_TCP`, `SIGNAL`, `TSYNC`). */
export type LandlockRightName = LandlockCatalogueEntry["name"];

/** The names of one group. */
export type LandlockRightNameOf<Group extends LandlockGroup> = Extract<
  LandlockCatalogueEntry,
  { readonly group: Group }
>["name"];

/** A name the catalogue does not know, with what would be valid. */
export interface UnknownLandlockRight {
  readonly kind: "unknown-landlock-right";
  readonly name: string;
  readonly message: string;
}

/** Every mask 0. */
export const EMPTY_LANDLOCK_MASKS: LandlockMasks = Object.freeze({
  fs: 0n,
  net: 0n,
  scope: 0n,
  restrict: 0n,
  rule: 0n,
});

/** The newest ABI the catalogue knows; kernels reporting a newer one are treated as this one. */
export const NEWEST_LANDLOCK_ABI: number = LANDLOCK_ABIS[LANDLOCK_ABIS.length - 1]!.abi;

const bitOf = (entry: LandlockCatalogueEntry): bigint => 1n << BigInt(entry.bit);
const byName = new Map<string, LandlockCatalogueEntry>(
  LANDLOCK_CATALOGUE.map((entry) => [entry.name, entry]),
);

/** The masks of `entries`. */
function masksOf(entries: Iterable<LandlockCatalogueEntry>): LandlockMasks {
  const masks = { ...EMPTY_LANDLOCK_MASKS };
  for (const entry of entries) masks[entry.group] |= bitOf(entry);
  return Object.freeze(masks);
}

// Index n: what ABI n knows (0: nothing). Made on first use: a program negotiating userfaultfd alone never asks.
let masksByAbi: readonly LandlockMasks[] | undefined;

/** Every right and flag of an ABI version, per group; 0 and below: none; above the newest known: the newest. */
export function landlockMasksAt(abi: number): LandlockMasks {
  if (!Number.isInteger(abi) || abi <= 0) return EMPTY_LANDLOCK_MASKS;
  masksByAbi ??= Array.from({ length: NEWEST_LANDLOCK_ABI + 1 }, (_, known) =>
    masksOf(LANDLOCK_CATALOGUE.filter((entry) => entry.abi <= known)),
  );
  return masksByAbi[Math.min(abi, NEWEST_LANDLOCK_ABI)]!;
}

/** The ABI table's row for a version (1..newest), or `undefined`. */
export function landlockAbi(abi: number): LandlockAbiDefinition | undefined {
  return LANDLOCK_ABIS.find((row) => row.abi === abi);
}

/** The ABI of a mainline release: the newest row whose `since` it reaches; 0 before 5.13. */
export function landlockAbiOfRelease(version: KernelVersion): number {
  let abi = 0;
  for (const row of LANDLOCK_ABIS) if (kernelAtLeast(version, row.since)) abi = row.abi;
  return abi;
}

/** The `fs` rights a path-beneath rule may grant on a non-directory. */
export const LANDLOCK_FILE_RIGHTS: bigint = masksOf(
  LANDLOCK_CATALOGUE.filter((entry) => "target" in entry && entry.target === "file"),
).fs;

/** The bit of erratum `n` in the ERRATA mask. */
export const erratumBit = (erratum: number): bigint => 1n << BigInt(erratum - 1);

/** The errata a mainline `version` with ABI `abi` reports: those reported since its release, for ABIs up to its own. */
export function landlockErrataOf(version: KernelVersion, abi: number): bigint {
  let mask = 0n;
  for (const row of LANDLOCK_ERRATA)
    if (row.abi <= abi && kernelAtLeast(version, row.since)) mask |= erratumBit(row.erratum);
  return mask;
}

/** The catalogue row of `READ_FILE` or `LANDLOCK_ACCESS_FS_READ_FILE` (case-sensitive), or `undefined`. */
export function landlockRight(input: string): LandlockCatalogueEntry | undefined {
  if (typeof input !== "string") return undefined;
  const bare = byName.get(input);
  if (bare) return bare;
  for (const group of LANDLOCK_GROUPS) {
    const prefix = LANDLOCK_PREFIXES[group];
    if (!input.startsWith(prefix)) continue;
    const entry = byName.get(input.slice(prefix.length));
    return entry?.group === group ? entry : undefined;
  }
  return undefined;
}

/** Resolves a right's name, bare or prefixed; an unknown one is an `unknown-landlock-right` error. */
export function parseLandlockRight(input: string): Result<LandlockCatalogueEntry, UnknownLandlockRight> {
  const entry = landlockRight(input);
  if (entry) return ok(entry);
  return err({
    kind: "unknown-landlock-right",
    name: typeof input === "string" ? excerptText(input) : `(a ${typeof input})`,
    message: `unknown Landlock right ${typeof input === "string" ? quoteText(input) : `(a ${typeof input})`}: expected one of ${[...byName.keys()].join(", ")} (or with its LANDLOCK_… prefix)`,
  });
}

/** The masks of a list of names; the first unknown name is an error. */
export function landlockMasksOf(names: readonly string[]): Result<LandlockMasks, UnknownLandlockRight> {
  const entries: LandlockCatalogueEntry[] = [];
  for (const name of names) {
    const entry = parseLandlockRight(name);
    if (entry.isErr()) return err(entry.error);
    entries.push(entry.value);
  }
  return ok(masksOf(entries));
}

/** The names of every known bit set in `masks`, in catalogue order (unknown bits are left out). */
export function landlockRightNames(masks: LandlockMasks): LandlockRightName[] {
  return LANDLOCK_CATALOGUE.filter((entry) => (masks[entry.group] & bitOf(entry)) !== 0n).map(
    (entry) => entry.name,
  );
}

/** Group by group `a ∩ b`. */
export function intersectLandlockMasks(a: LandlockMasks, b: LandlockMasks): LandlockMasks {
  return {
    fs: a.fs & b.fs,
    net: a.net & b.net,
    scope: a.scope & b.scope,
    restrict: a.restrict & b.restrict,
    rule: a.rule & b.rule,
  };
}

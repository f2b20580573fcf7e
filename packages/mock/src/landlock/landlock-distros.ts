import { EMPTY_LANDLOCK_MASKS, landlockMasksOf, landlockQuirkOf } from "@negotiate/core/landlock";
import { distroOf } from "../distro-profiles.js";
import type { LandlockBuild, LandlockQuirks } from "./landlock-mock-options.js";

/** How a distro's kernels differ in Landlock from the mainline release they print, from a vendor build on. */
export interface LandlockDistroFact {
  /** A `DISTRO_PROFILES` id. */
  readonly distro: string;
  /** The first vendor build it holds for: the number after the first `-` of `uname -r` (`5.14.0-611…`: 611). */
  readonly fromBuild: number;
  readonly quirks?: LandlockQuirks;
  readonly build?: LandlockBuild;
  readonly source: string;
}

const REF7 = "landlock reference §7";

/** Distro kernels whose Landlock is not their mainline release's; later rows of a distro win. */
export const LANDLOCK_DISTRO_FACTS: readonly LandlockDistroFact[] = [
  // Before 9.6 (build 570) RHEL 9 is modelled as mainline 5.14: ABI 1 (uncertain).
  { distro: "rhel-9", fromBuild: 570, quirks: { abi: 5 }, source: `${REF7} (RHEL 9.6, 5.14.0-570)` },
  // What it refuses of ABI 6 is the core's LANDLOCK_QUIRKS row (ABSTRACT_UNIX_SOCKET).
  {
    distro: "rhel-9",
    fromBuild: 603,
    quirks: { abi: 6 },
    source: `${REF7} (RHEL 9.7, 5.14.0-603 and later, 611 seen; says 6; end of the range uncertain)`,
  },
  { distro: "android-gki", fromBuild: 0, build: "not-built", source: `${REF7} (the GKI defconfig read)` },
];

/**
 * The Landlock facts of the distro kernel `release` belongs to, with the distro's id; `undefined` for none. The
 * scopes it refuses although its ABI has them come from the core's `LANDLOCK_QUIRKS`.
 */
export function landlockDistroFacts(
  release: string,
): (Pick<LandlockDistroFact, "quirks" | "build"> & { readonly id: string }) | undefined {
  const distro = distroOf(release);
  if (!distro) return undefined;
  const build = Number(/^\d+\.\d+(?:\.\d+)?-(\d+)/.exec(release)?.[1] ?? 0);
  let found: LandlockDistroFact | undefined;
  for (const fact of LANDLOCK_DISTRO_FACTS)
    if (fact.distro === distro.profile.id && fact.fromBuild <= build) found = fact;
  const refused = landlockMasksOf(landlockQuirkOf(release)?.refuses ?? []).unwrapOr(
    EMPTY_LANDLOCK_MASKS,
  ).scope;
  const quirks =
    found?.quirks && refused !== 0n ? { ...found.quirks, rejectedScopes: refused } : found?.quirks;
  return {
    id: distro.profile.id,
    ...(quirks ? { quirks } : {}),
    ...(found?.build ? { build: found.build } : {}),
  };
}

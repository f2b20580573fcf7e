import type { LandlockRightName } from "./landlock-lookup.js";

/** A vendor kernel whose Landlock differs from what its reported ABI promises. */
export interface LandlockQuirk {
  /** What it is, for people. */
  readonly kernel: string;
  /** Matches the release (`uname -r`); group 1, when present, is a build number compared with `fromBuild`. */
  readonly release: RegExp;
  /** The first build with the quirk (the end of the range is unknown: every later build is treated alike). */
  readonly fromBuild?: number;
  /** Rights the kernel reports through its ABI but refuses (EINVAL) when asked. */
  readonly refuses: readonly LandlockRightName[];
  readonly source: string;
}

/** Kernels that report an ABI they do not implement whole (reference §7). */
export const LANDLOCK_QUIRKS: readonly LandlockQuirk[] = [
  {
    kernel: "RHEL 9.7 (5.14.0-603 and later builds; 611 seen)",
    release: /^5\.14\.0-(\d+)[^\s]*\.el9/,
    fromBuild: 603,
    refuses: ["ABSTRACT_UNIX_SOCKET"],
    source:
      "landlock reference §7: says ABI 6, the ABI-6 abstract-unix scope answers EINVAL; end of range uncertain",
  },
];

// A process asks about one release again and again.
let lastRelease: string | undefined;
let lastQuirk: LandlockQuirk | undefined;

/** The quirk of a kernel release, if one is known. */
export function landlockQuirkOf(release: string | undefined): LandlockQuirk | undefined {
  if (release === lastRelease) return lastQuirk;
  lastQuirk = findQuirk(release);
  lastRelease = release;
  return lastQuirk;
}

function findQuirk(release: string | undefined): LandlockQuirk | undefined {
  if (typeof release !== "string" || release.length > 256) return undefined;
  for (const quirk of LANDLOCK_QUIRKS) {
    const match = quirk.release.exec(release);
    if (!match) continue;
    if (quirk.fromBuild === undefined || Number(match[1]) >= quirk.fromBuild) return quirk;
  }
  return undefined;
}

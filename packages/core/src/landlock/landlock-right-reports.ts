import { LANDLOCK_ERRATA } from "./landlock-catalogue.js";
import type { LandlockErratumDefinition, LandlockMasks } from "./landlock-definition.js";
import {
  erratumBit,
  type LandlockCatalogueEntry,
  type LandlockRightName,
  landlockAbi,
  landlockRight,
} from "./landlock-lookup.js";
import type { LandlockPolicy } from "./landlock-policy.js";
import type { LandlockCoverage, LandlockGrant, LandlockRightReport } from "./landlock-session.js";

const has = (masks: LandlockMasks, entry: LandlockCatalogueEntry): boolean =>
  (masks[entry.group] & (1n << BigInt(entry.bit))) !== 0n;

const hex = (mask: bigint) => `0x${mask.toString(16)}`;

/** The first erratum this kernel reports no fix for that weakens `entry`, as a reason; `undefined`: none. */
function erratumReason(entry: LandlockCatalogueEntry, grant: LandlockGrant): string | undefined {
  for (const row of LANDLOCK_ERRATA) {
    const { group, names }: LandlockErratumDefinition["affects"] = row.affects;
    if (row.abi > grant.abi || group !== entry.group) continue;
    if (names !== undefined && !names.includes(entry.name)) continue;
    if ((grant.errata & erratumBit(row.erratum)) !== 0n) continue;
    return `handled, but weaker than documented: this kernel's errata mask ${hex(grant.errata)} lacks erratum ${row.erratum} (bit ${hex(erratumBit(row.erratum))}; fixed in Linux ${row.since} and stable backports: ${row.fixes}); run a kernel with the fix`;
  }
  return undefined;
}

/** Why a wanted right is not handled: no Landlock, a newer ABI, a vendor quirk, or the negotiation dropped it. */
function unavailableReason(entry: LandlockCatalogueEntry, grant: LandlockGrant): string {
  if (grant.rulesetFd === undefined || grant.abi === 0)
    return grant.unavailableReason ?? "Landlock is not available on this kernel: nothing is handled";
  const added = landlockAbi(entry.abi);
  if (entry.abi > grant.abi)
    return `${entry.name} needs Landlock ABI ${entry.abi} (Linux ${added?.since ?? "?"}); this kernel has ABI ${grant.abi}`;
  if (!has(grant.supported, entry))
    return `${entry.name} belongs to ABI ${entry.abi}, which this kernel reports, but it refuses it (a known vendor kernel quirk)`;
  return `${entry.name} is supported but the ${grant.strategy} negotiation did not handle it (the kernel refused the request that had it)`;
}

/** The report of one wanted right. */
function rightReport(
  entry: LandlockCatalogueEntry,
  required: boolean,
  grant: LandlockGrant,
): LandlockRightReport {
  const base = { name: entry.name, group: entry.group, required } as const;
  if (!has(grant.handled, entry))
    return { ...base, status: "unavailable", reason: unavailableReason(entry, grant) };
  const degraded = erratumReason(entry, grant);
  return degraded === undefined
    ? { ...base, status: "enforced" }
    : { ...base, status: "degraded", reason: degraded };
}

/** What a session says about its policy's rights: one report per wanted right, the coverage, `enabled`. */
export interface LandlockRightsSummary {
  readonly rights: readonly LandlockRightReport[];
  readonly coverage: LandlockCoverage;
  readonly enabled: Readonly<Record<string, boolean>>;
}

/**
 * The report of every right the policy wants (required, then optional; forbidden ones left out), in that order.
 * Coverage: `none` without a ruleset, `full` when every wanted right is enforced, else `partial`.
 */
export function summarizeLandlockRights(
  grant: LandlockGrant,
  policy: Pick<LandlockPolicy<LandlockRightName, LandlockRightName>, "required" | "optional" | "forbidden">,
): LandlockRightsSummary {
  const forbidden = new Set(policy.forbidden.map((name) => landlockRight(name)?.name));
  const seen = new Set<string>();
  const rights: LandlockRightReport[] = [];
  const wanted = [
    ...policy.required.map((name) => [name, true] as const),
    ...policy.optional.map((name) => [name, false] as const),
  ];
  for (const [name, required] of wanted) {
    const entry = landlockRight(name);
    if (!entry || seen.has(entry.name) || forbidden.has(entry.name)) continue;
    seen.add(entry.name);
    rights.push(rightReport(entry, required, grant));
  }
  const coverage: LandlockCoverage =
    grant.rulesetFd === undefined
      ? "none"
      : rights.every((right) => right.status === "enforced")
        ? "full"
        : "partial";
  const enabled = Object.fromEntries(rights.map((right) => [right.name, right.status !== "unavailable"]));
  return { rights, coverage, enabled };
}

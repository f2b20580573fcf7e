import { types } from "node:util";
import { FeatureSet } from "../userfaultfd/feature-set.js";
import { originsOf } from "./policy-origins.js";

const STRATEGIES: ReadonlySet<unknown> = new Set(["auto", "probe", "one-shot"]);

/**
 * What makes `value` unusable as a `Policy`, or `undefined`: built by this module, or by hand as plain data
 * (FeatureSets for the three lists, a list of groups, a known strategy). Reads data properties only; a
 * Proxy is refused before any trap runs. Throws only what the caller's own objects throw (caught at the
 * callers' boundaries).
 */
export function problemOfPolicy(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || types.isProxy(value))
    return "the policy must be a Policy (from definePolicy, parsePolicy or loadPolicy), not a Proxy or null";
  if (originsOf(value) !== undefined) return undefined;
  for (const key of ["required", "optional", "forbidden"]) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor || !(descriptor.value instanceof FeatureSet)) return `policy.${key} must be a FeatureSet`;
  }
  const oneOf = Object.getOwnPropertyDescriptor(value, "oneOf")?.value;
  if (!Array.isArray(oneOf) || types.isProxy(oneOf) || !oneOf.every((group) => Array.isArray(group)))
    return "policy.oneOf must be a list of groups";
  if (!STRATEGIES.has(Object.getOwnPropertyDescriptor(value, "strategy")?.value))
    return "policy.strategy must be one of auto, probe, one-shot";
  return undefined;
}

/** Throws a `TypeError` naming `caller` and the problem when `value` is not a usable policy. */
export function assertPolicy(value: unknown, caller: string): void {
  const problem = problemOfPolicy(value);
  if (problem !== undefined) throw new TypeError(`${caller}: ${problem}`);
}

const LANDLOCK_LISTS = ["required", "optional", "forbidden", "rules"] as const;

/**
 * What makes `value` unusable as a `MultiPolicy`, or `undefined`: `version: 2`, and each section present a
 * usable `Policy` (userfaultfd) or a section with lists of names and rules (landlock). Reads data properties only.
 */
export function problemOfMultiPolicy(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || types.isProxy(value))
    return "the policy must be a MultiPolicy (from definePolicy, parseMultiPolicy or loadMultiPolicy), not a Proxy or null";
  if (Object.getOwnPropertyDescriptor(value, "version")?.value !== 2) return "policy.version must be 2";
  const userfaultfd = Object.getOwnPropertyDescriptor(value, "userfaultfd")?.value;
  if (userfaultfd !== undefined) {
    const problem = problemOfPolicy(userfaultfd);
    if (problem !== undefined) return `policy.userfaultfd: ${problem}`;
  }
  const landlock = Object.getOwnPropertyDescriptor(value, "landlock")?.value;
  return landlock === undefined ? undefined : problemOfLandlockSection(landlock, "policy.landlock");
}

/**
 * What makes `value` unusable as a Landlock section (lists of names and rules), or `undefined`; `path` names it
 * in the message. Reads data properties only.
 */
export function problemOfLandlockSection(value: unknown, path: string): string | undefined {
  if (typeof value !== "object" || value === null || types.isProxy(value))
    return `${path} must be a Landlock section`;
  for (const key of LANDLOCK_LISTS) {
    const list = Object.getOwnPropertyDescriptor(value, key)?.value;
    if (!Array.isArray(list) || types.isProxy(list)) return `${path}.${key} must be a list`;
  }
  return undefined;
}

/** Throws a `TypeError` naming `caller` and the problem when `value` is not a usable MultiPolicy. */
export function assertMultiPolicy(value: unknown, caller: string): void {
  const problem = problemOfMultiPolicy(value);
  if (problem !== undefined) throw new TypeError(`${caller}: ${problem}`);
}

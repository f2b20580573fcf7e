import { OPEN_MODES, type OpenMode, type OpenRequest } from "../backend/backend-port.js";
import { catalogue, type FeatureName } from "../catalogue/catalogue.js";
import { featureBit } from "../catalogue/feature-lookup.js";
import type { Policy } from "../policy/policy.js";
import { namesOf } from "./failures.js";

/** A policy reduced to masks, computed once per policy object. */
export interface PolicyPlan {
  readonly required: bigint;
  readonly optional: bigint;
  readonly forbidden: bigint;
  /** Each `oneOf` group as bit masks, in order of preference, forbidden alternatives removed. */
  readonly groups: readonly (readonly bigint[])[];
  readonly groupNames: readonly (readonly FeatureName[])[];
  /** The open modes to try, in order, each as what to ask the backend for (the mode with the policy's flags). */
  readonly opens: readonly OpenRequest[];
  /** Decisions already made for a supported set. */
  readonly decisions: Map<bigint, Decision>;
  /** The decision made last: the hot path asks for the same one again and again, without a hash lookup. */
  lastDecision?: Decision;
}

/** What to request, and what must come back. */
export interface Decision {
  /** The supported set it was made for (-1n: nothing known yet). */
  readonly supported: bigint;
  readonly request: bigint;
  /** Required features plus the chosen alternative of each group. */
  readonly mustHave: bigint;
  /** EVENT_FORK is requested but not a must-have: on EPERM it is dropped and the fd retried. */
  readonly droppableFork: boolean;
  /** Required features not in the supported set (always 0 before the supported set is known). */
  readonly missingRequired: bigint;
  readonly unmetGroups: readonly (readonly FeatureName[])[];
  /** The last reply this decision was checked against; the hot path sees the same one again and again. */
  outcome?: Outcome;
}

/** `true` when a required feature is unsupported or a group has no supported alternative. */
export function unsatisfiable(decision: Decision): boolean {
  return decision.missingRequired !== 0n || decision.unmetGroups.length > 0;
}

/** What a successful `UFFDIO_API` reply means for a decision. */
export interface Outcome {
  readonly request: bigint;
  readonly supported: bigint;
  /** The request's accepted bits plus what they imply, within the supported set. */
  readonly enabled: bigint;
  /** Must-have features not enabled. */
  readonly lacking: bigint;
  /** Optional features requested, accepted without error, yet not enabled. */
  readonly dropped: bigint;
  /** Optional features not enabled. */
  readonly missing: readonly FeatureName[];
  /** The backend knowledge and open mode under which the kernel last confirmed `enabled` (see `verify`). */
  confirmedBy?: { readonly known: object; readonly mode: OpenMode };
}

/** The meaning of a reply's supported set for the request sent (bigint operations allocate: memoised per decision). */
export function outcomeOf(plan: PolicyPlan, decision: Decision, request: bigint, supported: bigint): Outcome {
  const last = decision.outcome;
  if (last && last.request === request && last.supported === supported) return last;
  // Only accepted bits imply others: a bit the kernel dropped brings nothing with it.
  const enabled = withImplied(request & supported) & supported;
  const outcome: Outcome = {
    request,
    supported,
    enabled,
    lacking: decision.mustHave & ~enabled,
    dropped: request & ~enabled & plan.optional,
    missing: namesOf(plan.optional & ~enabled),
  };
  decision.outcome = outcome;
  return outcome;
}

const EVENT_FORK = featureBit("EVENT_FORK");

const plans = new WeakMap<Policy<FeatureName, FeatureName>, PolicyPlan>();
// Apps negotiate one policy again and again: it is found without a hash lookup.
let lastPolicy: Policy<FeatureName, FeatureName> | undefined;
let lastPlan: PolicyPlan | undefined;

export function planOf(policy: Policy<FeatureName, FeatureName>): PolicyPlan {
  if (policy === lastPolicy) return lastPlan!;
  let plan = plans.get(policy);
  if (!plan) {
    const forbidden = policy.forbidden.mask;
    const groupNames = policy.oneOf.map((group) =>
      group.filter((name) => (featureBit(name) & forbidden) === 0n),
    );
    plan = {
      required: policy.required.mask,
      optional: policy.optional.mask & ~forbidden,
      forbidden,
      groups: groupNames.map((group) => group.map(featureBit)),
      groupNames,
      opens: openModesOf(policy).map((mode) => ({
        mode,
        closeOnExec: policy.closeOnExec,
        nonBlocking: policy.nonBlocking,
      })),
      decisions: new Map(),
    };
    plans.set(policy, plan);
  }
  lastPolicy = policy;
  lastPlan = plan;
  return plan;
}

// `userModeOnly: require` leaves only that mode; `forbid` removes it from `open: auto`.
function openModesOf(policy: Policy<FeatureName, FeatureName>): OpenMode[] {
  if (policy.userModeOnly === "require") return ["user-mode-only"];
  if (policy.open !== "auto") return [policy.open];
  return OPEN_MODES.filter((mode) => mode !== "user-mode-only" || policy.userModeOnly === "allow");
}

/** The request for a known supported set (`undefined`: nothing known yet, so everything wanted): required, supported optional ones, the first supported alternative of each group. */
export function decide(plan: PolicyPlan, supported: bigint | undefined): Decision {
  const key = supported ?? -1n;
  const last = plan.lastDecision;
  if (last !== undefined && last.supported === key) return last;
  let decision = plan.decisions.get(key);
  if (!decision) {
    decision = decideFresh(plan, key);
    // A process meets few supported sets; the bound only guards against a backend that varies without end.
    if (plan.decisions.size >= 64) plan.decisions.clear();
    plan.decisions.set(key, decision);
  }
  plan.lastDecision = decision;
  return decision;
}

// `available` is -1n (every bit) when nothing is known yet.
function decideFresh(plan: PolicyPlan, available: bigint): Decision {
  let chosen = 0n;
  const unmetGroups: (readonly FeatureName[])[] = [];
  plan.groups.forEach((group, index) => {
    const pick = group.find((bit) => (bit & available) !== 0n);
    if (pick === undefined) unmetGroups.push(plan.groupNames[index]!);
    else chosen |= pick;
  });
  const mustHave = plan.required | chosen;
  const request = mustHave | (plan.optional & available);
  return {
    supported: available,
    request,
    mustHave,
    droppableFork: (request & EVENT_FORK) !== 0n && (mustHave & EVENT_FORK) === 0n,
    missingRequired: plan.required & ~available,
    unmetGroups,
  };
}

const IMPLICATIONS: readonly (readonly [bigint, bigint])[] = catalogue
  .filter((entry) => entry.implies.length > 0)
  .map((entry) => [
    featureBit(entry.name),
    entry.implies.reduce((mask, name) => mask | featureBit(name), 0n),
  ]);

/** The request plus what the kernel enables along with it (WP_ASYNC brings WP_UNPOPULATED). */
export function withImplied(request: bigint): bigint {
  let mask = request;
  for (const [bit, implied] of IMPLICATIONS) if ((request & bit) !== 0n) mask |= implied;
  return mask;
}

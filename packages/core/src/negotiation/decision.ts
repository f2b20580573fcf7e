import type { OnMissingOptional, OnReject, StrategyName } from "../policy/policy.js";
import type { CompiledInterface } from "./compiled-interface.js";
import type { PortChannel } from "./negotiation-port.js";

/** What a plan is made from: an interface's section of a policy, as masks of its feature space. */
export interface PlanInput<C extends PortChannel> {
  readonly required: bigint;
  readonly optional: bigint;
  readonly forbidden: bigint;
  /** Each `oneOf` group as names, in order of preference. */
  readonly oneOf: readonly (readonly string[])[];
  /** The channels to try, in order. */
  readonly channels: readonly C[];
  readonly strategy: StrategyName;
  readonly onReject: OnReject;
  readonly onMissingOptional: OnMissingOptional;
  readonly verify: boolean;
}

/** A policy section reduced to masks, computed once per policy object. */
export interface NegotiationPlan<C extends PortChannel = PortChannel> {
  // biome-ignore lint/suspicious/noExplicitAny: a plan serves every session type of its interface
  readonly iface: CompiledInterface<C, any, any, any>;
  readonly required: bigint;
  readonly optional: bigint;
  readonly forbidden: bigint;
  /** Required, optional and every `oneOf` alternative, less forbidden features. */
  readonly wanted: bigint;
  /** Each `oneOf` group as bit masks, in order of preference, forbidden alternatives removed. */
  readonly groups: readonly (readonly bigint[])[];
  readonly groupNames: readonly (readonly string[])[];
  readonly channels: readonly C[];
  readonly strategy: StrategyName;
  readonly onReject: OnReject;
  readonly onMissingOptional: OnMissingOptional;
  readonly verify: boolean;
  /** Decisions already made for a supported set. */
  readonly decisions: Map<bigint, Decision>;
  /** The decision made last: the hot path asks for the same one again and again, without a hash lookup. */
  lastDecision?: Decision;
  /** How the last clean `auto` session of this plan was reached on a known supported set (see `warmAuto`). */
  warm?: WarmRoute;
}

/** A clean `auto` session's route: under which knowledge, on which channel, with which decision and outcome. */
export interface WarmRoute {
  /** The `PortKnowledge` it was reached under. */
  readonly known: object;
  /** Its channel's index in the plan's channels. */
  readonly index: number;
  /** Asks for no privileged feature (`droppable` 0n): one request, never a retry. */
  readonly decision: Decision;
  readonly outcome: Outcome;
}

/** What to request, and what must come back. */
export interface Decision {
  /** The supported set it was made for (-1n: nothing known yet). */
  readonly supported: bigint;
  readonly request: bigint;
  /** Required features plus the chosen alternative of each group. */
  readonly mustHave: bigint;
  /** Privileged optional features requested: on EPERM they are dropped and the handle retried. */
  readonly droppable: bigint;
  /** Required features not in the supported set (always 0 before the supported set is known). */
  readonly missingRequired: bigint;
  readonly unmetGroups: readonly (readonly string[])[];
  /** The last reply this decision was checked against; the hot path sees the same one again and again. */
  outcome?: Outcome;
}

/** `true` when `outcome` made a clean session (see `Outcome.cleanUnder`) under `known` on channel `channel`. */
export function cleanUnder(outcome: Outcome, known: object, channel: string): boolean {
  const clean = outcome.cleanUnder;
  return clean !== undefined && clean.known === known && clean.channel === channel;
}

/** `true` when a required feature is unsupported or a group has no supported alternative. */
export function unsatisfiable(decision: Decision): boolean {
  return decision.missingRequired !== 0n || decision.unmetGroups.length > 0;
}

/** What a successful request means for a decision. */
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
  readonly missing: readonly string[];
  /** The knowledge and channel under which the kernel last confirmed `enabled` (see `verify`). */
  confirmedBy?: { readonly known: object; readonly channel: string };
  /**
   * The knowledge and channel under which this outcome last made a session with no warning (verified, when the
   * plan verifies): accepting it again there needs none of the checks.
   */
  cleanUnder?: { readonly known: object; readonly channel: string };
}

export function planOf<C extends PortChannel>(
  // biome-ignore lint/suspicious/noExplicitAny: see NegotiationPlan.iface
  iface: CompiledInterface<C, any, any, any>,
  input: PlanInput<C>,
): NegotiationPlan<C> {
  const forbidden = input.forbidden;
  const groupNames = input.oneOf.map((group) =>
    group.filter((name) => (iface.maskOf([name]) & forbidden) === 0n),
  );
  const groups = groupNames.map((group) => group.map((name) => iface.maskOf([name])));
  return {
    iface,
    required: input.required,
    optional: input.optional & ~forbidden,
    forbidden,
    wanted: groups.flat().reduce((mask, bit) => mask | bit, input.required | (input.optional & ~forbidden)),
    groups,
    groupNames,
    channels: input.channels,
    strategy: input.strategy,
    onReject: input.onReject,
    onMissingOptional: input.onMissingOptional,
    verify: input.verify,
    decisions: new Map(),
  };
}

/** The meaning of a reply's supported set for the request sent (bigint operations allocate: memoised per decision). */
export function outcomeOf(
  plan: NegotiationPlan,
  decision: Decision,
  request: bigint,
  supported: bigint,
): Outcome {
  const last = decision.outcome;
  if (last && last.request === request && last.supported === supported) return last;
  // Only accepted bits imply others: a bit the kernel dropped brings nothing with it.
  const enabled = plan.iface.withImplied(request & supported) & supported;
  const outcome: Outcome = {
    request,
    supported,
    enabled,
    lacking: decision.mustHave & ~enabled,
    dropped: request & ~enabled & plan.optional,
    missing: plan.iface.namesOf(plan.optional & ~enabled),
  };
  decision.outcome = outcome;
  return outcome;
}

/** The request for a known supported set (`undefined`: nothing known yet, so everything wanted): required, supported optional ones, the first supported alternative of each group. */
export function decide(plan: NegotiationPlan, supported: bigint | undefined): Decision {
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
function decideFresh(plan: NegotiationPlan, available: bigint): Decision {
  let chosen = 0n;
  const unmetGroups: (readonly string[])[] = [];
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
    droppable: request & plan.iface.privileged & ~mustHave,
    missingRequired: plan.required & ~available,
    unmetGroups,
  };
}

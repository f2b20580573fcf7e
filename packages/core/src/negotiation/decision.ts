import type { OnMissingOptional, OnReject, StrategyName } from "../policy/policy.js";
import type { CompiledInterface } from "./compiled-interface.js";
import type { PortAnswer, PortChannel } from "./negotiation-port.js";
import type { NegotiationWarning } from "./negotiation-report.js";

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
  lastDecision: Decision | undefined;
  /** How the last settled `auto` session of this plan was reached on a known supported set (see `warmAuto`). */
  warm: WarmRoute | undefined;
}

/**
 * A settled `auto` session's route (see `Outcome.settledUnder`): under which knowledge, on which channel, with
 * which decision and outcome.
 */
export interface WarmRoute {
  /** The `PortKnowledge` it was reached under. */
  readonly known: object;
  /**
   * `known.changes` then: while it is the same, the channel's supported set is still the decision's, the
   * channel is still the one tried first, and the probed answer is still `probed` (all checked when it was made).
   */
  readonly changes: number;
  /** Its channel's index in the plan's channels. */
  readonly index: number;
  /** Asks for no privileged feature (`droppable` 0n): one request, never a retry. */
  readonly decision: Decision;
  readonly outcome: Outcome;
  /** The session's warnings (frozen): the outcome's own, the same each time it is reached. */
  readonly warnings: readonly NegotiationWarning<string>[];
  /** The query's answer the channel's supported set came from, when the session was made. */
  readonly probed: PortAnswer | undefined;
  /** The session it made, kept when the interface renews sessions (`renewSession`). */
  readonly session: unknown;
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
  outcome: Outcome | undefined;
}

/**
 * The warnings of the session `outcome` settled into under `known` on channel `channel` (see
 * `Outcome.settledUnder`), or `undefined` when it did not settle there.
 */
export function settledWarnings(
  outcome: Outcome,
  known: object,
  channel: string,
): readonly NegotiationWarning<string>[] | undefined {
  const settled = outcome.settledUnder;
  return settled !== undefined && settled.known === known && settled.channel === channel
    ? settled.warnings
    : undefined;
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
  confirmedBy: { readonly known: object; readonly channel: string } | undefined;
  /**
   * The knowledge and channel under which this outcome last made a session whose warnings were all its own
   * (optional features missing or dropped by the kernel, the channel's warning: the same for the same outcome),
   * verified when the plan verifies, and those warnings (frozen): accepting it again there needs none of the
   * checks, and gives the same warnings.
   */
  settledUnder:
    | {
        readonly known: object;
        readonly channel: string;
        readonly warnings: readonly NegotiationWarning<string>[];
      }
    | undefined;
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
    // Present from the start, as on every plan: the hot path reads plans of one shape.
    lastDecision: undefined,
    warm: undefined,
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
    confirmedBy: undefined,
    settledUnder: undefined,
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
    outcome: undefined,
  };
}

import type { Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import type { StrategyName } from "../policy/policy.js";
import { warmAuto } from "../strategies/auto.js";
import { STRATEGIES } from "../strategies/strategies.js";
import { CompiledInterface } from "./compiled-interface.js";
import { type NegotiationPlan, type PlanInput, planOf } from "./decision.js";
import { Handshake } from "./handshake.js";
import type { InterfaceDefinition } from "./interface-definition.js";
import { type Knowledge, processKnowledge } from "./negotiation-cache.js";
import type { ChannelAttempt, NegotiationPort, PortChannel } from "./negotiation-port.js";

/** A kernel interface the core negotiates: its compiled data, plans, and the negotiation itself. */
export interface KernelInterface<C extends PortChannel, S, P extends NegotiationPort<C>> {
  readonly name: string;
  /** A plan from a section's masks (make it once per policy section: it memoises decisions). */
  plan(input: PlanInput<C>): NegotiationPlan<C>;
  /**
   * Negotiates `plan` over `port` with the plan's strategy (or `strategy`), learning into `knowledge`
   * (default: the process's), keyed by `backend` (the object the port wraps; default the port).
   */
  negotiate(
    plan: NegotiationPlan<C>,
    port: P,
    options?: { readonly knowledge?: Knowledge; readonly backend?: object; readonly strategy?: StrategyName },
  ): Result<S, NegotiationError>;
}

/**
 * Makes a kernel interface negotiable from its data and hooks: no strategy knows any interface, so this is
 * all an interface adds (with its `NegotiationPort`).
 */
export function defineKernelInterface<
  C extends PortChannel,
  S,
  A extends ChannelAttempt = ChannelAttempt,
  P extends NegotiationPort<C> = NegotiationPort<C>,
>(
  definition: InterfaceDefinition<C, S, A, P>,
): KernelInterface<C, S, P> & {
  readonly compiled: CompiledInterface<C, S, A, P>;
} {
  const compiled = new CompiledInterface(definition);
  return {
    name: definition.name,
    compiled,
    plan: (input) => planOf(compiled, input),
    negotiate(plan, port, options) {
      const knowledge =
        options === undefined || options.knowledge === undefined ? processKnowledge : options.knowledge;
      const known = knowledge.of(
        options === undefined || options.backend === undefined ? port : options.backend,
      );
      const strategy =
        options === undefined || options.strategy === undefined ? plan.strategy : options.strategy;
      if (strategy === "auto") {
        const warm = warmAuto<C, S, P>(plan, port, known);
        if (warm !== undefined) return warm;
      }
      return new Handshake<C, S, P>(plan, port, known).run(STRATEGIES[strategy]);
    },
  };
}

import type { Strategy } from "../negotiation/handshake.js";
import type { StrategyName } from "../policy/policy.js";
import { auto } from "./auto.js";
import { oneShot } from "./one-shot.js";
import { probe } from "./probe.js";

/** Every strategy, by the name a policy gives it. */
export const STRATEGIES: { readonly [Name in StrategyName]: Strategy } = { auto, probe, "one-shot": oneShot };

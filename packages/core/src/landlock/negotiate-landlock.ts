import { err, fromThrowable, ok, type Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import type { Knowledge } from "../negotiation/negotiation-cache.js";
import { problemOfLandlockSection } from "../policy/policy-shape.js";
import { createLandlockSession } from "./create-landlock-session.js";
import { masksOfSpace, spaceOfNames } from "./landlock-feature-space.js";
import { type LandlockNegotiation, landlock, landlockPlans } from "./landlock-interface.js";
import { EMPTY_LANDLOCK_MASKS, type LandlockRightName } from "./landlock-lookup.js";
import type { LandlockPolicy } from "./landlock-policy.js";
import type { LandlockPort } from "./landlock-port.js";
import { LandlockPortCalls } from "./landlock-port-calls.js";
import type { LandlockSession } from "./landlock-session.js";

/** Where and how to negotiate Landlock. */
export interface LandlockNegotiateOptions {
  /** The kernel, real (`landlockBackend()`) or simulated (`landlockMockBackend()`). */
  readonly backend: LandlockPort;
  /** Where `auto` remembers what it learned; default: one shared by the whole process. */
  readonly knowledge?: Knowledge;
}

const PORT_METHODS = ["abiVersion", "errata", "createRuleset", "close"] as const;

/**
 * Negotiates a Landlock section: the ABI (and errata) learned or remembered, the ruleset created handling
 * exactly the wanted rights this kernel has. Nothing handled (`none`) is an error unless the policy says
 * `unavailable: run-unconfined`, which gives a grant without a ruleset and a warning saying so. Total: bad
 * options or a policy that is not one are errors, never thrown.
 */
export function negotiateLandlockGrant(
  policy: LandlockPolicy<LandlockRightName, LandlockRightName>,
  options: LandlockNegotiateOptions,
): Result<LandlockNegotiation, NegotiationError<LandlockRightName>> {
  const reason = problemOf(policy, options);
  if (reason !== undefined)
    return err({
      kind: "backend-unavailable",
      backend: "(none)",
      reason,
      message: `negotiateLandlock: ${reason}`,
    });
  const plan = landlockPlans.of(policy);
  const result = landlock.negotiate(plan, new LandlockPortCalls(options.backend), options);
  if (result.isErr()) {
    const error = result.error as NegotiationError<LandlockRightName>;
    const off = error.kind === "unsupported" || error.kind === "permission-denied";
    return off && policy.unavailable === "run-unconfined" ? ok(unconfined(policy, error)) : err(error);
  }
  const granted = result.value;
  // The core's own Ok: no second one for the same grant.
  if (granted.rulesetFd !== undefined) return result as Result<LandlockNegotiation, never>;
  if (policy.unavailable === "run-unconfined") return ok(unconfined(policy, undefined, granted));
  return err({
    kind: "unsupported",
    reason: "no-landlock",
    attempts: [],
    trace: granted.trace,
    message: `none of the wanted Landlock rights is available with ABI ${granted.abi}: the ruleset would confine nothing; set the policy's landlock.unavailable: run-unconfined to run unconfined`,
  });
}

// Without Landlock (or with nothing it could handle) and a policy that allows it: no ruleset, said out loud.
function unconfined(
  policy: LandlockPolicy<LandlockRightName, LandlockRightName>,
  error: NegotiationError<LandlockRightName> | undefined,
  granted?: LandlockNegotiation,
): LandlockNegotiation {
  const why = error ? error.message : "none of the wanted Landlock rights is available";
  const wanted = spaceOfNames([...policy.required, ...policy.optional]) & ~spaceOfNames(policy.forbidden);
  return {
    rulesetFd: undefined,
    abi: granted?.abi ?? 0,
    errata: granted?.errata ?? 0n,
    supported: granted?.supported ?? EMPTY_LANDLOCK_MASKS,
    handled: EMPTY_LANDLOCK_MASKS,
    wanted: masksOfSpace(wanted),
    unavailableReason: why,
    strategy: policy.strategy,
    route: "unconfined",
    trace: granted?.trace ?? error?.trace ?? [],
    warnings: [
      ...(granted?.warnings ?? []),
      {
        code: "unconfined",
        message: `running unconfined, as the policy allows (unavailable: run-unconfined): ${why}`,
      },
    ],
    missingOptional: policy.optional,
  };
}

// Apps negotiate one policy with one port again and again: once checked, the pair is not checked again.
let checkedPolicy: object | undefined;
let checkedBackend: object | undefined;

function problemOf(policy: unknown, options: unknown): string | undefined {
  const problem = argumentsProblem(policy, options);
  return problem.isOk() ? problem.value : problem.error;
}

const argumentsProblem = fromThrowable(
  (policy: unknown, options: unknown): string | undefined => {
    // Inside the boundary: `options` may be null, or a Proxy that throws.
    const checked = checkedPolicy !== undefined && policy === checkedPolicy;
    if (checked && (options as { backend?: unknown } | null)?.backend === checkedBackend) return undefined;
    const section = problemOfLandlockSection(policy, "the Landlock policy");
    if (section !== undefined) return section;
    if (typeof options !== "object" || options === null)
      return "the options must be an object with a backend";
    const backend = (options as { backend?: unknown }).backend;
    if (typeof backend !== "object" || backend === null)
      return "options.backend must be a Landlock port (landlockBackend(), landlockMockBackend())";
    for (const method of PORT_METHODS)
      if (typeof (backend as Record<string, unknown>)[method] !== "function")
        return `options.backend.${method} must be a function`;
    checkedPolicy = policy as object;
    checkedBackend = backend;
    return undefined;
  },
  (error) => `reading the arguments threw ${error instanceof Error ? error.name : typeof error}`,
);

/**
 * Negotiates a Landlock section and makes its session: the grant of `negotiateLandlockGrant`, then the
 * section's `rules` added (each intersected with what is handled). A rule the kernel refuses closes the
 * ruleset and is the error. `enforce()` on the session confines the process.
 */
export function negotiateLandlock<R extends LandlockRightName, O extends LandlockRightName>(
  policy: LandlockPolicy<R, O>,
  options: LandlockNegotiateOptions,
): Result<LandlockSession<R, O>, NegotiationError<LandlockRightName>> {
  const grant = negotiateLandlockGrant(policy, options);
  if (grant.isErr()) return err(grant.error);
  const session = createLandlockSession(options.backend, grant.value, policy);
  if (session.isErr()) return err(session.error as NegotiationError<LandlockRightName>);
  if (policy.rules.length > 0) {
    const added = session.value.addRules(policy.rules);
    if (added.isErr()) {
      session.value.close();
      return err(added.error as NegotiationError<LandlockRightName>);
    }
  }
  return ok(session.value);
}

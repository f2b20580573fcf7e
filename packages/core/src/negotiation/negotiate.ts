import { types } from "node:util";
import { err, fromThrowable, type Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import type { LandlockRightName } from "../landlock/landlock-lookup.js";
import type { Policy } from "../policy/policy.js";
import { originsOf } from "../policy/policy-origins.js";
import { problemOfMultiPolicy, problemOfPolicy } from "../policy/policy-shape.js";
import type { Backend } from "../userfaultfd/backend-port.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import { PortCalls } from "../userfaultfd/port-calls.js";
import type { Session } from "../userfaultfd/session.js";
import { userfaultfd, userfaultfdPlans } from "../userfaultfd/userfaultfd-interface.js";
import {
  type MultiNegotiateOptions,
  type MultiPolicyOf,
  type MultiSession,
  negotiateMulti,
} from "./negotiate-multi.js";
import type { Knowledge } from "./negotiation-cache.js";

/** Where and how to negotiate. */
export interface NegotiateOptions {
  /** The kernel, real (`linuxBackend()`) or simulated (`mockBackend()`). */
  readonly backend: Backend;
  /** Where `auto` remembers what it learned; default: one shared by the whole process. */
  readonly knowledge?: Knowledge;
}

/**
 * Negotiates `policy` with the kernel behind `options.backend`. On success the session holds the fd and
 * exactly what is enabled on it; on failure every fd the negotiation opened is closed again. Total: a policy
 * that is not one (`null`, a Proxy, a field of the wrong type) is `invalid-policy`, options without a backend
 * are `backend-unavailable`; neither is thrown.
 */
export function negotiate<R extends FeatureName, O extends FeatureName>(
  policy: Policy<R, O>,
  options: NegotiateOptions,
): Result<Session<R, O>, NegotiationError>;
/**
 * Negotiates every section of a version 2 policy (`definePolicy({ version: 2, … })`, `loadMultiPolicy`): one
 * typed sub-session per interface, `session.userfaultfd.enabled.THREAD_ID`, `session.landlock.enabled.READ_FILE`.
 * `options.backend` serves the userfaultfd section and `options.landlock` the Landlock one. A failing section
 * closes what the others opened; its error names the interface (`error.interface`).
 */
export function negotiate<P extends MultiPolicyOf>(
  policy: P,
  options: MultiNegotiateOptions,
): Result<MultiSession<P>, NegotiationError<FeatureName | LandlockRightName>>;
export function negotiate(
  policy: Policy<FeatureName, FeatureName> | MultiPolicyOf,
  options: NegotiateOptions | MultiNegotiateOptions,
): Result<unknown, NegotiationError<FeatureName | LandlockRightName>> {
  const checked = checkArguments(policy, options);
  if (checked.isErr()) return err(checked.error);
  if (checked.value === MULTI) {
    const invalid = checkMultiArguments(policy as MultiPolicyOf, options);
    if (invalid.isErr()) return err(invalid.error);
    if (invalid.value !== undefined) return err(invalid.value);
    return negotiateMulti(policy as MultiPolicyOf, options as MultiNegotiateOptions, (section, backend) =>
      negotiateSection(section, { backend, ...(options.knowledge ? { knowledge: options.knowledge } : {}) }),
    );
  }
  if (checked.value !== undefined) return err(checked.value);
  return negotiateSection(policy as Policy<FeatureName, FeatureName>, options as NegotiateOptions);
}

function negotiateSection(
  policy: Policy<FeatureName, FeatureName>,
  options: NegotiateOptions,
): Result<Session<FeatureName, FeatureName>, NegotiationError> {
  return userfaultfd.negotiate(userfaultfdPlans.of(policy), new PortCalls(options.backend), options);
}

// A version 2 policy is checked whole (each section's shape); options need the port of each section it has.
const checkMultiArguments = fromThrowable(
  (policy: MultiPolicyOf, options: unknown): NegotiationError | undefined => {
    const problem = problemOfMultiPolicy(policy);
    if (problem !== undefined)
      return {
        kind: "invalid-policy",
        issues: [{ path: "", message: problem }],
        message: `negotiate: ${problem}`,
      };
    if (policy.userfaultfd !== undefined) return checkOptions("negotiate", options);
    if (typeof options !== "object" || options === null)
      return {
        kind: "backend-unavailable",
        backend: "(none)",
        reason: "the options must be an object with the ports of the policy's sections",
        message: "negotiate: the options must be an object with the ports of the policy's sections",
      };
    return undefined;
  },
  (error): NegotiationError => ({
    kind: "invalid-policy",
    issues: [{ path: "", message: "reading the arguments threw" }],
    message: `negotiate: reading the arguments threw ${error instanceof Error ? error.name : typeof error}`,
  }),
);

// A version 2 policy: its sections are checked on their own.
const MULTI = Symbol("version 2");

// What is wrong with the arguments, read once at this boundary: getters and Proxies may throw.
const checkArguments = fromThrowable(
  (policy: unknown, options: unknown): NegotiationError | typeof MULTI | undefined => {
    // A policy this module built (frozen, version 1) was checked when built: one WeakMap lookup, no Proxy test.
    if (originsOf(policy as object) === undefined) {
      const object = typeof policy === "object" && policy !== null && !types.isProxy(policy);
      if (object && (policy as { version?: unknown }).version === 2) return MULTI;
      const policyProblem = problemOfPolicy(policy);
      if (policyProblem !== undefined) {
        return {
          kind: "invalid-policy",
          issues: [{ path: "", message: policyProblem }],
          message: `negotiate: ${policyProblem}`,
        };
      }
    }
    // Its own boundary: a throwing options getter is a backend-unavailable error, not an invalid policy.
    return checkOptions("negotiate", options);
  },
  (error): NegotiationError => ({
    kind: "invalid-policy",
    issues: [{ path: "", message: "reading the arguments threw" }],
    message: `negotiate: reading the arguments threw ${error instanceof Error ? error.name : typeof error}`,
  }),
);

/**
 * What is wrong with the options of `negotiate` or `probe` (`caller`), as the error either returns; undefined when
 * they hold a backend port. A getter or Proxy that throws while they are read is caught here.
 */
export function checkOptions(caller: string, options: unknown): NegotiationError | undefined {
  const problem = readOptionsProblem(options);
  const reason = problem.isOk() ? problem.value : problem.error;
  return reason === undefined
    ? undefined
    : { kind: "backend-unavailable", backend: "(none)", reason, message: `${caller}: ${reason}` };
}

const readOptionsProblem = fromThrowable(
  (options: unknown) => problemOfOptions(options),
  (error) => `reading options.backend threw ${error instanceof Error ? error.name : typeof error}`,
);

// Plain reads, no Proxy test: a Proxy backend that throws here is caught by the boundary.
function problemOfOptions(options: unknown): string | undefined {
  if (typeof options !== "object" || options === null) return "the options must be an object with a backend";
  const backend = (options as { backend?: unknown }).backend;
  if (typeof backend !== "object" || backend === null)
    return "options.backend must be a backend (linuxBackend(), mockBackend())";
  const port = backend as Record<string, unknown>;
  if (typeof port.open !== "function") return "options.backend.open must be a function";
  if (typeof port.api !== "function") return "options.backend.api must be a function";
  if (typeof port.close !== "function") return "options.backend.close must be a function";
  if (typeof port.info !== "object" || port.info === null) return "options.backend.info must be an object";
  return undefined;
}

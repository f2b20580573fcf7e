import { err, fromThrowable, ok, type Result } from "neverthrow";
import type { ApiFailure, ApiReply, Backend, OpenMode, OpenRequest } from "../backend/backend-port.js";
import type { FeatureName } from "../catalogue/catalogue.js";
import { isExhaustionErrno, isPermissionErrno } from "../errno.js";
import type { NegotiationError, OpenAttempt } from "../errors.js";
import { FeatureSet, featureSetOfU64 } from "../feature-set.js";
import type { Policy } from "../policy/policy.js";
import { originsOf } from "../policy/policy-origins.js";
import { problemOfPolicy } from "../policy/policy-shape.js";
import {
  type Decision,
  decide,
  type Outcome,
  outcomeOf,
  type PolicyPlan,
  planOf,
  unsatisfiable,
} from "./decision.js";
import {
  kernelRejected,
  missingOptional,
  missingRequired,
  namesOf,
  openCauseOf,
  openRefused,
  permissionDeniedAtApi,
  resourceExhausted,
  unexpected,
} from "./failures.js";
import { type Knowledge, processKnowledge } from "./knowledge.js";
import { PortCalls } from "./port-calls.js";
import { createSession, type NegotiationWarning, type Route, type Session } from "./session.js";

/** Where and how to negotiate. */
export interface NegotiateOptions {
  /** The kernel, real (`linuxBackend()`) or simulated (`mockBackend()`). */
  readonly backend: Backend;
  /** Where `auto` remembers what it learned; default: one shared by the whole process. */
  readonly knowledge?: Knowledge;
}

const EVENT_FORK = FeatureSet.of("EVENT_FORK").mask;
const NO_WARNINGS: readonly NegotiationWarning[] = Object.freeze([]);

/** The outcome of trying one open mode: refused (try the next one) or final. */
type ModeOutcome<R extends FeatureName, O extends FeatureName> =
  | { readonly refused: OpenAttempt }
  | Result<Session<R, O>, NegotiationError>;

/**
 * Negotiates `policy` with the kernel behind `options.backend`. On success the session holds the fd and
 * exactly what is enabled on it; on failure every fd the negotiation opened is closed again. Total: a policy
 * that is not one (`null`, a Proxy, a field of the wrong type) is `invalid-policy`, options without a backend
 * are `backend-unavailable`; neither is thrown.
 */
export function negotiate<R extends FeatureName, O extends FeatureName>(
  policy: Policy<R, O>,
  options: NegotiateOptions,
): Result<Session<R, O>, NegotiationError> {
  const invalid = checkArguments(policy, options);
  if (invalid.isErr()) return err(invalid.error);
  if (invalid.value !== undefined) return err(invalid.value);
  return new Negotiation<R, O>(policy, options).run();
}

// What is wrong with the arguments, read once at this boundary: getters and Proxies may throw.
const checkArguments = fromThrowable(
  (policy: unknown, options: unknown): NegotiationError | undefined => {
    // A policy this module built was checked when built: one WeakMap lookup.
    const policyProblem = originsOf(policy as object) === undefined ? problemOfPolicy(policy) : undefined;
    if (policyProblem !== undefined) {
      return {
        kind: "invalid-policy",
        issues: [{ path: "", message: policyProblem }],
        message: `negotiate: ${policyProblem}`,
      };
    }
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

class Negotiation<R extends FeatureName, O extends FeatureName> {
  private readonly calls: PortCalls;
  private readonly plan: PolicyPlan;
  private readonly known;
  // Allocated on the first warning: the hot path has none.
  private warnings: NegotiationWarning[] | undefined;
  // What the last `send` asked for: the decided request, less an EVENT_FORK it had to drop.
  private sentRequest = 0n;

  constructor(
    private readonly policy: Policy<R, O>,
    options: NegotiateOptions,
  ) {
    this.calls = new PortCalls(options.backend);
    this.plan = planOf(policy as Policy<FeatureName, FeatureName>);
    this.known = (options.knowledge ?? processKnowledge).of(options.backend);
  }

  run(): Result<Session<R, O>, NegotiationError> {
    let attempts: OpenAttempt[] | undefined;
    const opens = this.plan.opens;
    for (let index = 0; index < opens.length; index++) {
      const open = opens[index]!;
      if (this.skippable(open.mode, opens, index)) continue;
      const outcome = this.onMode(open);
      if (!("refused" in outcome)) return outcome;
      this.known.refused.add(open.mode);
      attempts ??= [];
      attempts.push(outcome.refused);
    }
    return err(openRefused(attempts ?? [], this.calls.trace));
  }

  // Under auto, a mode refused before is skipped while a later one is known to work.
  private skippable(mode: OpenMode, opens: readonly OpenRequest[], index: number): boolean {
    const refused = this.known.refused;
    if (this.policy.strategy !== "auto" || refused.size === 0 || !refused.has(mode)) return false;
    for (let later = index + 1; later < opens.length; later++)
      if (this.known.supported.has(opens[later]!.mode)) return true;
    return false;
  }

  private onMode(open: OpenRequest): ModeOutcome<R, O> {
    const supported = this.policy.strategy === "auto" ? this.known.supported.get(open.mode) : undefined;
    if (supported !== undefined) {
      const decision = decide(this.plan, supported);
      if (unsatisfiable(decision)) return err(this.missingRequired(decision, 0n));
      const fd = this.openFd(open);
      return typeof fd === "number" ? this.request(fd, open, decision, "known-supported") : fd;
    }
    if (this.policy.strategy === "probe") {
      const fd = this.openFd(open);
      return typeof fd === "number" ? this.probeThenRequest(fd, open, "probe") : fd;
    }
    const optimistic = decide(this.plan, undefined);
    if (unsatisfiable(optimistic)) return err(this.missingRequired(optimistic, 0n));
    const fd = this.openFd(open);
    return typeof fd === "number" ? this.oneShot(fd, open, optimistic) : fd;
  }

  // A new fd, or why there is none (no closures here: they slow down the koffi calls around them).
  private openFd(open: OpenRequest): number | ModeOutcome<R, O> {
    const opened = this.calls.open(open);
    if (opened.isOk()) return opened.value;
    const { mode } = open;
    const errno = opened.error.errno;
    if (isExhaustionErrno(errno)) return err(resourceExhausted(errno, "open", this.calls.trace));
    if (isPermissionErrno(errno) || errno === "ENOSYS") {
      const cause = openCauseOf(this.calls.backend, mode, errno);
      return { refused: { mode, errno, ...(cause ? { cause } : {}) } };
    }
    if (errno === "ENOENT" || errno === "ENODEV" || errno === "EINVAL" || errno === "EOPNOTSUPP") {
      return { refused: { mode, errno } };
    }
    return err(unexpected(`creating a uffd in ${mode} mode failed with ${errno}`, errno, this.calls.trace));
  }

  // Sends the decided request; an optional EVENT_FORK refused with EPERM is dropped and the same fd retried.
  private send(fd: number, decision: Decision): Result<ApiReply, ApiFailure> {
    let request = decision.request;
    const forkOptional = decision.droppableFork;
    if (forkOptional && this.known.forkDenied && (request & EVENT_FORK) !== 0n) {
      request &= ~EVENT_FORK;
      this.warnForkDropped();
    }
    for (;;) {
      this.sentRequest = request;
      const result = this.calls.api(fd, request);
      if (result.isOk() || !forkOptional || result.error.errno !== "EPERM" || (request & EVENT_FORK) === 0n)
        return result;
      this.known.forkDenied = true;
      request &= ~EVENT_FORK;
      this.warnForkDropped();
    }
  }

  private request(fd: number, open: OpenRequest, decision: Decision, route: Route): ModeOutcome<R, O> {
    const sent = this.send(fd, decision);
    if (sent.isOk()) return this.accept(fd, open, sent.value, this.sentRequest, decision, route);
    this.calls.close(fd);
    if (sent.error.errno === "EINVAL" && route === "known-supported") {
      // What this process learned no longer holds: learn again.
      this.known.supported.delete(open.mode);
      const next = this.openFd(open);
      return typeof next === "number" ? this.probeThenRequest(next, open, "probe") : next;
    }
    return err(this.apiFailure(sent.error, this.sentRequest));
  }

  private oneShot(fd: number, open: OpenRequest, decision: Decision): ModeOutcome<R, O> {
    const sent = this.send(fd, decision);
    if (sent.isOk()) return this.accept(fd, open, sent.value, this.sentRequest, decision, "one-shot");
    if (sent.error.errno === "EINVAL" && this.policy.onReject === "probe") {
      this.warn({
        code: "probe-fallback",
        message: `the kernel refused the one-shot request ${featureSetOfU64(this.sentRequest)} with EINVAL; probed the supported set on the same fd`,
      });
      // A failed fd is still uninitialised: it serves as the probe's temporary fd.
      return this.probeThenRequest(fd, open, "one-shot-then-probe");
    }
    this.calls.close(fd);
    return err(this.apiFailure(sent.error, this.sentRequest));
  }

  private probeThenRequest(fd: number, open: OpenRequest, route: Route): ModeOutcome<R, O> {
    const probed = this.calls.api(fd, 0n);
    if (probed.isErr()) {
      this.calls.close(fd);
      return err(this.apiFailure(probed.error, 0n));
    }
    const supported = probed.value.features;
    this.known.supported.set(open.mode, supported);
    const decision = decide(this.plan, supported);
    if (unsatisfiable(decision)) {
      this.calls.close(fd);
      return err(this.missingRequired(decision, 0n));
    }
    // Nothing to ask for: the probe fd already is exactly that session.
    if (decision.request === 0n) return this.accept(fd, open, probed.value, 0n, decision, route);
    this.calls.close(fd);
    const next = this.openFd(open);
    return typeof next === "number" ? this.request(next, open, decision, route) : next;
  }

  private accept(
    fd: number,
    open: OpenRequest,
    reply: ApiReply,
    request: bigint,
    decision: Decision,
    route: Route,
  ): Result<Session<R, O>, NegotiationError> {
    const { mode } = open;
    const supported = reply.features;
    // A decision made for this very supported set was made from what this process knows of the mode already.
    if (decision.supported !== supported) this.known.supported.set(mode, supported);
    const outcome = outcomeOf(this.plan, decision, request, supported);
    const { enabled, lacking, dropped, missing } = outcome;
    if (lacking !== 0n) {
      // Accepted but not enabled: a kernel that drops unknown bits or accepts masked ones silently.
      this.calls.close(fd);
      const narrowed = decide(this.plan, supported);
      if (!unsatisfiable(narrowed) && route === "one-shot") {
        const next = this.openFd(open);
        const retried =
          typeof next === "number" ? this.request(next, open, narrowed, "one-shot-then-probe") : next;
        return "refused" in retried ? err(openRefused([retried.refused], this.calls.trace)) : retried;
      }
      return err(this.missingRequired(narrowed, lacking & this.plan.required));
    }
    if (dropped !== 0n) {
      this.warn({
        code: "dropped-by-kernel",
        message: `the kernel accepted but did not enable ${namesOf(dropped).join(", ")}`,
        features: namesOf(dropped),
      });
    }
    if (missing.length > 0 && this.policy.onMissingOptional !== "ignore") {
      if (this.policy.onMissingOptional === "error") {
        this.calls.close(fd);
        return err(missingOptional(missing, this.calls.trace));
      }
      this.warn({
        code: "missing-optional",
        message: `optional features not available: ${missing.join(", ")}`,
        features: missing,
      });
    }
    const verified = this.verify(fd, mode, outcome);
    if (verified) return err(verified);
    if (mode === "user-mode-only" && this.policy.open === "auto" && this.policy.userModeOnly === "allow") {
      this.warn({
        code: "user-mode-only",
        message:
          "fell back to UFFD_USER_MODE_ONLY: faults raised while the kernel touches the range give SIGBUS/EFAULT instead of a message",
      });
    }
    return ok(
      createSession<R, O>({
        fd,
        backend: this.calls.backend,
        enabledMask: enabled,
        supportedMask: supported,
        requestedMask: request,
        ioctls: reply.ioctls,
        strategy: this.policy.strategy,
        route,
        open: mode,
        trace: this.calls.trace,
        warnings: this.warnings ?? NO_WARNINGS,
        missingOptional: missing,
      }),
    );
  }

  // The kernel's own view must match what was computed; a mismatch closes the fd. The kernel's answer for a
  // request and supported set does not change, so each one is read once per backend and mode (fdinfo costs µs).
  private verify(fd: number, mode: OpenMode, outcome: Outcome): NegotiationError | undefined {
    const backend = this.calls.backend;
    if (!this.policy.verify || !backend.enabledFeatures) return undefined;
    const { request, supported, enabled } = outcome;
    const last = outcome.confirmedBy;
    if (last !== undefined && last.known === this.known && last.mode === mode) return undefined;
    let confirmed = this.known.verified.get(mode);
    if (confirmed?.get(request) === supported) {
      outcome.confirmedBy = { known: this.known, mode };
      return undefined;
    }
    const reported = backend.enabledFeatures(fd);
    if (reported.isErr()) {
      this.warn({
        code: "verify-unavailable",
        message: `could not read the kernel's enabled set for fd ${fd} (${reported.error.errno}); not verified`,
      });
      return undefined;
    }
    const actual = reported.value & supported;
    if (actual === enabled) {
      if (!confirmed) {
        confirmed = new Map();
        this.known.verified.set(mode, confirmed);
      }
      confirmed.set(request, supported);
      outcome.confirmedBy = { known: this.known, mode };
      return undefined;
    }
    this.calls.close(fd);
    const show = (mask: bigint) => featureSetOfU64(mask).toString();
    return unexpected(
      `the kernel reports ${show(actual)} enabled on fd ${fd}, but the negotiation computed ${show(enabled)}`,
      undefined,
      this.calls.trace,
    );
  }

  private apiFailure(failure: ApiFailure, request: bigint): NegotiationError {
    const { errno } = failure;
    if (errno === "EPERM") return permissionDeniedAtApi(this.calls.backend, request, errno, this.calls.trace);
    if (isExhaustionErrno(errno)) return resourceExhausted(errno, "api", this.calls.trace);
    if (errno === "EINVAL") return kernelRejected(errno, request, this.calls.trace);
    return unexpected(`UFFDIO_API failed with ${errno}`, errno, this.calls.trace);
  }

  private missingRequired(decision: Decision, dropped: bigint): NegotiationError {
    return missingRequired(
      decision.missingRequired,
      dropped,
      decision.unmetGroups,
      this.calls.backend.info.kernelRelease,
      this.calls.trace,
    );
  }

  private warn(warning: NegotiationWarning): void {
    this.warnings ??= [];
    this.warnings.push(warning);
  }

  private warnForkDropped(): void {
    if (this.warnings?.some((warning) => warning.code === "event-fork-dropped")) return;
    this.warn({
      code: "event-fork-dropped",
      message: "EVENT_FORK needs CAP_SYS_PTRACE, which this process lacks: requested without it",
      features: ["EVENT_FORK"],
    });
  }
}

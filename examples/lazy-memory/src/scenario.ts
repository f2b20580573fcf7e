import {
  type Backend,
  type FeatureName,
  type FeatureSet,
  type NegotiationError,
  negotiate,
  type Policy,
  type PolicyError,
  type Session,
} from "@negotiate/core";
import { linuxBackend } from "@negotiate/linux";
import { err, ok, type Result } from "neverthrow";
import { type Clock, systemClock } from "./clock.js";
import { loadUffdOps } from "./koffi-uffd-ops.js";
import { type ScenarioError, uffdFailure } from "./scenario-error.js";
import type { UffdOps, UffdRange } from "./uffd-ops.js";

/** What was negotiated, for a report. */
export interface NegotiatedSummary {
  readonly policy: string;
  /** Exactly the features enabled on the fd. */
  readonly enabled: readonly FeatureName[];
  /** Whether fault messages carry the faulting thread's id. */
  readonly threadId: boolean;
  readonly route: string;
  readonly open: string;
}

/** The first line of every report: the policy, what it enabled, and how. */
export const policyLine = (negotiated: NegotiatedSummary): string =>
  `policy ${negotiated.policy}: enabled [${negotiated.enabled.join(", ")}] (route ${negotiated.route}, open ${negotiated.open})`;

/** What THREAD_ID means for the faults of a report. */
export const threadIdLine = (negotiated: NegotiatedSummary, workerThreadId: number): string =>
  negotiated.threadId
    ? `THREAD_ID enabled: each fault names the thread that raised it (worker thread is ${workerThreadId})`
    : "THREAD_ID not enabled on this kernel: faults do not say which thread raised them (still served)";

/** What every scenario body gets: a negotiated session and a fresh anonymous region. */
export interface ScenarioContext<R extends FeatureName, O extends FeatureName> {
  readonly ops: UffdOps;
  readonly session: Session<R, O>;
  readonly negotiated: NegotiatedSummary;
  readonly region: UffdRange;
  readonly pageSize: number;
  readonly pages: number;
  /** The scenario's clock: `options.clock`, else the system's. */
  readonly clock: Clock;
  /** Registers a release step, run in reverse order after the body whatever happens. */
  defer(step: () => Result<void, ScenarioError> | Promise<Result<void, ScenarioError>>): void;
}

/** Options every scenario accepts. */
export interface ScenarioOptions {
  /** Pages in the region; default 8. */
  readonly pages?: number;
  /** The kernel to negotiate with; default `linuxBackend()`. Tests pass a decorated one. */
  readonly backend?: Backend;
  /** How long the worker may take, every fault included, in milliseconds; default 5000. */
  readonly timeoutMs?: number;
  /** The system calls; default `loadUffdOps()`. Tests pass a recording one. */
  readonly ops?: UffdOps;
  /** What the deadline, the exit grace and the report's times are read from; default `systemClock`. */
  readonly clock?: Clock;
}

function summarize(
  name: string | undefined,
  enabled: FeatureSet,
  route: string,
  open: string,
): NegotiatedSummary {
  return {
    policy: name ?? "(unnamed)",
    enabled: enabled.names(),
    threadId: enabled.has("THREAD_ID"),
    route,
    open,
  };
}

/**
 * Negotiates `policy`, maps `pages` anonymous pages and runs `body` with them. Afterwards, whatever happened
 * (an exception included), it runs the body's release steps, unmaps the region and closes the session, in that
 * order; a release that fails turns a success into that failure. When the body reports `worker-stuck` the
 * region is left mapped.
 */
export async function runScenario<R extends FeatureName, O extends FeatureName, T>(
  definition: Result<Policy<R, O>, PolicyError>,
  options: ScenarioOptions,
  body: (context: ScenarioContext<R, O>) => Promise<Result<T, ScenarioError>>,
): Promise<Result<T, ScenarioError>> {
  const ops = options.ops ? ok(options.ops) : loadUffdOps();
  if (ops.isErr()) return err(uffdFailure(ops.error));
  if (definition.isErr()) return err(negotiationFailure(definition.error));
  const policy = definition.value;
  const backend: Result<Backend, NegotiationError> = options.backend ? ok(options.backend) : linuxBackend();
  const session = backend.andThen((port) => negotiate(policy, { backend: port }));
  if (session.isErr()) return err(negotiationFailure(session.error));

  const steps: ReleaseStep[] = [() => session.value.close().mapErr(negotiationFailure)];
  let outcome: Result<T, ScenarioError>;
  let released: Result<void, ScenarioError>;
  try {
    const run = { ops: ops.value, clock: options.clock ?? systemClock, pages: options.pages ?? 8 };
    outcome = await mapAndRun(run, session.value, policy.name, steps, body);
  } finally {
    released = await releaseAll(steps);
  }
  return outcome.andThen((value) => released.map(() => value));
}

function negotiationFailure(error: NegotiationError): ScenarioError {
  return { kind: "negotiation", error, message: error.message };
}

type ReleaseStep = () => Result<void, ScenarioError> | Promise<Result<void, ScenarioError>>;

async function mapAndRun<R extends FeatureName, O extends FeatureName, T>(
  { ops, clock, pages }: { readonly ops: UffdOps; readonly clock: Clock; readonly pages: number },
  session: Session<R, O>,
  policyName: string | undefined,
  steps: ReleaseStep[],
  body: (context: ScenarioContext<R, O>) => Promise<Result<T, ScenarioError>>,
): Promise<Result<T, ScenarioError>> {
  const length = pages * ops.pageSize;
  const mapped = ops.mapAnonymous(length);
  if (mapped.isErr()) return err(uffdFailure(mapped.error));
  let stuck = false;
  steps.push(() => (stuck ? ok(undefined) : ops.unmap(mapped.value, length).mapErr(uffdFailure)));
  const outcome = await body({
    ops,
    session,
    negotiated: summarize(policyName, session.enabledSet, session.route, session.open),
    region: { start: mapped.value, length: BigInt(length) },
    pageSize: ops.pageSize,
    pages,
    clock,
    defer: (step) => steps.push(step),
  });
  stuck = outcome.isErr() && outcome.error.kind === "worker-stuck";
  return outcome;
}

async function releaseAll(steps: ReleaseStep[]): Promise<Result<void, ScenarioError>> {
  let first: ScenarioError | undefined;
  for (const step of steps.reverse()) {
    const released = await step();
    if (released.isErr()) first ??= released.error;
  }
  return first ? err(first) : ok(undefined);
}

import { err, ok, type Result } from "neverthrow";
import { type Errno, isExhaustionErrno } from "../errno.js";
import type { NegotiationError } from "../errors.js";
import type { SyscallFailure } from "../negotiation/negotiation-port.js";
import type { CompiledInterface } from "./compiled-interface.js";
import {
  type Decision,
  decide,
  type NegotiationPlan,
  type Outcome,
  outcomeOf,
  settledWarnings,
  unsatisfiable,
} from "./decision.js";
import { missingOptional, missingRequired, resourceExhausted, unexpected } from "./failures.js";
import type { PortKnowledge } from "./negotiation-cache.js";
import type { ChannelAttempt, NegotiationPort, PortAnswer, PortChannel } from "./negotiation-port.js";
import type { NegotiationWarning, Route } from "./negotiation-report.js";

/** Trying one channel ends refused (try the next one) or final. */
export type StepOutcome<S> = { readonly refused: ChannelAttempt } | Result<S, NegotiationError>;

/** A strategy: how one channel is negotiated, in terms of the handshake's steps. */
export type Strategy = <C extends PortChannel, S, P extends NegotiationPort<C>>(
  handshake: Handshake<C, S, P>,
  channel: C,
) => StepOutcome<S>;

const NO_WARNINGS: readonly NegotiationWarning<string>[] = Object.freeze([]);

// A settled outcome's warnings are every later session's of it too: none of them can change another's.
const frozenWarnings = (
  warnings: readonly NegotiationWarning<string>[],
): readonly NegotiationWarning<string>[] => Object.freeze(warnings.map((warning) => Object.freeze(warning)));

/** The interface's session for an accepted outcome (what `accept` and `warmAuto` hand the interface). */
export function sessionOf<C extends PortChannel, S, P extends NegotiationPort<C>>(
  plan: NegotiationPlan<C>,
  port: P,
  known: PortKnowledge,
  fd: number,
  channel: C,
  answer: PortAnswer,
  outcome: Outcome,
  route: Route,
  warnings: readonly NegotiationWarning<string>[],
): S {
  return (plan.iface as CompiledInterface<C, S, ChannelAttempt, P>).definition.createSession({
    port,
    known,
    fd,
    channel,
    answer,
    supported: outcome.supported,
    requested: outcome.request,
    wanted: plan.wanted,
    enabled: outcome.enabled,
    missingOptional: outcome.missing,
    route,
    strategy: plan.strategy,
    trace: port.trace,
    warnings,
  });
}

/**
 * The session of the plan's warm route (`plan.warm`) reached again on `fd`: its last session renewed when the
 * interface renews sessions and the supported set still comes from the same probed answer, else a new one.
 */
export function warmSessionOf<C extends PortChannel, S, P extends NegotiationPort<C>>(
  plan: NegotiationPlan<C>,
  port: P,
  known: PortKnowledge,
  fd: number,
  channel: C,
  answer: PortAnswer,
): S {
  const warm = plan.warm!;
  const renew = (plan.iface as CompiledInterface<C, S, ChannelAttempt, P>).definition.renewSession;
  // Nothing learned since the route was made: the supported set still comes from that probed answer.
  if (renew !== undefined && warm.session !== undefined && warm.probed !== undefined)
    return renew(warm.session as S, fd, port.trace);
  return sessionOf<C, S, P>(
    plan,
    port,
    known,
    fd,
    channel,
    answer,
    warm.outcome,
    "known-supported",
    warm.warnings,
  );
}

/**
 * One negotiation of one interface: the steps every strategy is written with (open, decide, send, accept) and
 * the channel loop. What a step learns goes to `known`, the port's entry in the shared cache.
 */
export class Handshake<C extends PortChannel, S, P extends NegotiationPort<C> = NegotiationPort<C>> {
  // biome-ignore lint/suspicious/noExplicitAny: the attempt type is the interface's own
  readonly iface: CompiledInterface<C, S, any, P>;
  // Allocated on the first warning: the hot path has none.
  private warnings: NegotiationWarning<string>[] | undefined;
  /** What the last `send` asked for: the decided request, less privileged features it had to drop. */
  sentRequest = 0n;

  constructor(
    readonly plan: NegotiationPlan<C>,
    readonly port: P,
    readonly known: PortKnowledge,
  ) {
    this.iface = plan.iface;
  }

  /**
   * Tries each channel in turn with `strategy`; a refused one makes way for the next. `resumed`: the outcome of
   * channel `index`, reached before this handshake was made (`warmAuto`); the loop goes on from there.
   */
  run(
    strategy: Strategy,
    resumed?: { readonly index: number; readonly outcome: StepOutcome<S> },
  ): Result<S, NegotiationError> {
    let attempts: ChannelAttempt[] | undefined;
    const channels = this.plan.channels;
    for (let index = resumed === undefined ? 0 : resumed.index; index < channels.length; index++) {
      const channel = channels[index]!;
      let outcome: StepOutcome<S>;
      if (resumed !== undefined && index === resumed.index) outcome = resumed.outcome;
      else if (this.skippable(channel, index)) continue;
      else outcome = strategy(this, channel);
      if (!("refused" in outcome)) return outcome;
      this.known.refused.add(channel.key);
      attempts ??= [];
      attempts.push(outcome.refused);
    }
    return err(this.iface.definition.allRefused(attempts ?? [], this.port.trace));
  }

  // Under auto, a channel refused before is skipped while a later one is known to work.
  private skippable(channel: C, index: number): boolean {
    const refused = this.known.refused;
    if (this.plan.strategy !== "auto" || refused.size === 0 || !refused.has(channel.key)) return false;
    const channels = this.plan.channels;
    for (let later = index + 1; later < channels.length; later++)
      if (this.known.supported.has(channels[later]!.key)) return true;
    return false;
  }

  decide(supported: bigint | undefined): Decision {
    return decide(this.plan, supported);
  }

  /** `true` for a refusal that means "a bit this kernel does not know": the probe can narrow the request. */
  isRejection(failure: SyscallFailure): boolean {
    return this.iface.rejectedWith.has(failure.errno);
  }

  // A new handle, or why there is none (no closures here: they slow down the koffi calls around them).
  open(channel: C): number | StepOutcome<S> {
    const opened = this.port.open(channel);
    return opened.isOk() ? opened.value : this.openFailed(channel, opened.error.errno);
  }

  /** What a refused open of `channel` means: the next channel is tried, or it is the error. */
  openFailed(channel: C, errno: Errno): StepOutcome<S> {
    if (isExhaustionErrno(errno)) return err(resourceExhausted(errno, "open", this.port.trace));
    const refusal = this.iface.definition.openRefused(this.port, channel, errno);
    return "kind" in refusal ? err(refusal) : { refused: refusal };
  }

  close(handle: number): void {
    this.port.close(handle);
  }

  /** Sends the decided request; privileged optional features refused with EPERM are dropped and the same handle retried. */
  send(handle: number, decision: Decision): Result<PortAnswer, SyscallFailure> {
    let request = decision.request;
    const droppable = decision.droppable;
    // Tested for 0n first: a bigint `&` allocates, and nothing is denied on the hot path.
    if (this.known.denied !== 0n && (droppable & this.known.denied) !== 0n) {
      this.warnDropped(request & droppable & this.known.denied);
      request &= ~(droppable & this.known.denied);
    }
    for (;;) {
      this.sentRequest = request;
      const result = this.port.request(handle, request);
      if (result.isOk() || result.error.errno !== "EPERM" || (request & droppable) === 0n) return result;
      this.known.denied |= request & droppable;
      this.warnDropped(request & droppable);
      request &= ~droppable;
    }
  }

  /** Sends the decision on `handle`: a session, or the handle closed and the failure. */
  request(handle: number, channel: C, decision: Decision, route: Route): StepOutcome<S> {
    const sent = this.send(handle, decision);
    if (sent.isOk()) return this.accept(handle, channel, sent.value, this.sentRequest, decision, route);
    this.close(handle);
    return err(this.failure(sent.error, this.sentRequest));
  }

  /** Learns the supported set on `handle`, then asks a new handle for the decided request. */
  probeThenRequest(handle: number, channel: C, route: Route): StepOutcome<S> {
    const probed = this.port.query(handle);
    if (probed.isErr()) {
      this.close(handle);
      return err(this.failure(probed.error, 0n));
    }
    const supported = probed.value.features!;
    this.known.supported.set(channel.key, supported);
    this.known.probed.set(channel.key, probed.value);
    const decision = this.decide(supported);
    if (unsatisfiable(decision)) {
      this.close(handle);
      return err(this.missingRequired(decision, 0n));
    }
    // Nothing to ask for: the probed handle already is exactly that session.
    if (decision.request === 0n) return this.accept(handle, channel, probed.value, 0n, decision, route);
    this.close(handle);
    const next = this.open(channel);
    return typeof next === "number" ? this.request(next, channel, decision, route) : next;
  }

  accept(
    handle: number,
    channel: C,
    answer: PortAnswer,
    request: bigint,
    decision: Decision,
    route: Route,
  ): StepOutcome<S> {
    const fd = answer.fd ?? handle;
    // A port whose request does not tell the supported set granted exactly what it was asked (or refused).
    const supported = answer.features ?? (decision.supported === -1n ? request : decision.supported);
    // A decision made for this very supported set was made from what this process knows of the channel already.
    if (answer.features !== undefined && decision.supported !== supported)
      this.known.supported.set(channel.key, supported);
    const outcome = outcomeOf(this.plan, decision, request, supported);
    // A privileged feature dropped on the way here is a warning of this handshake's own: it cannot settle.
    const settles = this.warnings === undefined;
    if (settles) {
      // The same outcome settled into a session before on this channel: it would again, warning the same.
      const settled = settledWarnings(outcome, this.known, channel.key);
      if (settled !== undefined)
        return ok(
          this.settled(
            channel,
            decision,
            outcome,
            route,
            settled,
            this.session(fd, channel, answer, outcome, route, settled),
          ),
        );
    }
    const { lacking, dropped, missing } = outcome;
    if (lacking !== 0n) {
      // Accepted but not enabled: a kernel that drops unknown bits or accepts masked ones silently.
      this.close(fd);
      const narrowed = this.decide(supported);
      if (!unsatisfiable(narrowed) && route === "one-shot") {
        const next = this.open(channel);
        const retried =
          typeof next === "number" ? this.request(next, channel, narrowed, "one-shot-then-probe") : next;
        return "refused" in retried
          ? err(this.iface.definition.allRefused([retried.refused], this.port.trace))
          : retried;
      }
      return err(this.missingRequired(narrowed, lacking & this.plan.required));
    }
    if (dropped !== 0n) {
      const names = this.iface.namesOf(dropped);
      this.warn({
        code: "dropped-by-kernel",
        message: `the kernel accepted but did not enable ${names.join(", ")}`,
        features: names,
      });
    }
    if (missing.length > 0 && this.plan.onMissingOptional !== "ignore") {
      if (this.plan.onMissingOptional === "error") {
        this.close(fd);
        return err(missingOptional(missing, this.port.trace));
      }
      this.warn({
        code: "missing-optional",
        message: `optional features not available: ${missing.join(", ")}`,
        features: missing,
      });
    }
    const warned = this.warnings?.length ?? 0;
    const verified = this.verify(fd, channel, outcome);
    if (verified) return err(verified);
    // Unverified (the kernel's view could not be read) is no warning of the outcome's own either.
    const verifyWarned = (this.warnings?.length ?? 0) !== warned;
    const channelWarning = this.iface.definition.channelWarning?.(channel, this.plan);
    if (channelWarning) this.warn(channelWarning);
    if (!settles || verifyWarned)
      return ok(this.session(fd, channel, answer, outcome, route, this.warnings!));
    const warnings = this.warnings === undefined ? NO_WARNINGS : frozenWarnings(this.warnings);
    outcome.settledUnder = { known: this.known, channel: channel.key, warnings };
    return ok(
      this.settled(
        channel,
        decision,
        outcome,
        route,
        warnings,
        this.session(fd, channel, answer, outcome, route, warnings),
      ),
    );
  }

  private session(
    fd: number,
    channel: C,
    answer: PortAnswer,
    outcome: Outcome,
    route: Route,
    warnings: readonly NegotiationWarning<string>[],
  ): S {
    return sessionOf<C, S, P>(
      this.plan,
      this.port,
      this.known,
      fd,
      channel,
      answer,
      outcome,
      route,
      warnings,
    );
  }

  // A settled session on a known supported set, one request without privileged features: `warmAuto` can take it.
  private settled(
    channel: C,
    decision: Decision,
    outcome: Outcome,
    route: Route,
    warnings: readonly NegotiationWarning<string>[],
    session: S,
  ): S {
    if (route !== "known-supported" || decision.droppable !== 0n) return session;
    const known = this.known;
    const index = this.plan.channels.indexOf(channel);
    // What `warmAuto` will not check again while `known.changes` stays the same.
    if (known.supported.get(channel.key) !== decision.supported || !triedFirst(this.plan, known, index))
      return session;
    const probed = known.probed.get(channel.key);
    const warm = this.plan.warm;
    const kept = this.iface.definition.renewSession === undefined ? undefined : session;
    if (
      warm === undefined ||
      warm.known !== known ||
      warm.changes !== known.changes ||
      warm.outcome !== outcome ||
      warm.index !== index ||
      warm.probed !== probed ||
      (warm.session === undefined && kept !== undefined)
    )
      this.plan.warm = {
        known,
        changes: known.changes,
        index,
        decision,
        outcome,
        warnings,
        probed,
        session: kept,
      };
    return session;
  }

  // The kernel's own view must match what was computed; a mismatch closes the fd. The kernel's answer for a
  // request and supported set does not change, so each one is read once per port and channel (fdinfo costs µs).
  private verify(fd: number, channel: C, outcome: Outcome): NegotiationError | undefined {
    const port = this.port;
    if (!this.plan.verify) return undefined;
    const { request, supported, enabled } = outcome;
    const key = channel.key;
    const last = outcome.confirmedBy;
    if (last !== undefined && last.known === this.known && last.channel === key) return undefined;
    let confirmed = this.known.verified.get(key);
    if (confirmed?.get(request) === supported) {
      outcome.confirmedBy = { known: this.known, channel: key };
      return undefined;
    }
    const reported = port.enabledOnKernel?.(fd);
    if (reported === undefined) return undefined;
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
        this.known.verified.set(key, confirmed);
      }
      confirmed.set(request, supported);
      outcome.confirmedBy = { known: this.known, channel: key };
      return undefined;
    }
    this.close(fd);
    const show = (mask: bigint) => `{${this.iface.namesOf(mask).join(", ")}}`;
    return unexpected(
      `the kernel reports ${show(actual)} enabled on fd ${fd}, but the negotiation computed ${show(enabled)}`,
      undefined,
      port.trace,
    );
  }

  /** A refused query (`request` 0n) or request, as the app's error. */
  failure(failure: SyscallFailure, request: bigint): NegotiationError {
    const { errno } = failure;
    if (isExhaustionErrno(errno)) return resourceExhausted(errno, "api", this.port.trace);
    return this.iface.definition.requestFailed(this.port, errno, request, this.port.trace);
  }

  missingRequired(decision: Decision, dropped: bigint): NegotiationError {
    return missingRequired(
      this.iface,
      decision.missingRequired,
      dropped,
      decision.unmetGroups,
      this.port.info.kernelRelease,
      this.port.trace,
    );
  }

  warn(warning: NegotiationWarning<string>): void {
    this.warnings ??= [];
    this.warnings.push(warning);
  }

  private warnDropped(mask: bigint): void {
    const names = this.iface.namesOf(mask);
    const warning = this.iface.definition.privilegedDropped?.(names) ?? {
      code: "privileged-dropped",
      message: `${names.join(", ")} refused with EPERM (a privilege this process lacks): requested without`,
      features: names,
    };
    if (this.warnings?.some((known) => known.code === warning.code)) return;
    this.warn(warning);
  }
}

// The run loop tries channel `index` first when every channel before it was refused (and skipped under auto,
// since this one is known to work) and it was not.
function triedFirst(plan: NegotiationPlan, known: PortKnowledge, index: number): boolean {
  const refused = known.refused;
  if (refused.size === 0) return index === 0;
  if (plan.strategy !== "auto" || refused.has(plan.channels[index]!.key)) return false;
  for (let earlier = 0; earlier < index; earlier++)
    if (!refused.has(plan.channels[earlier]!.key)) return false;
  return true;
}

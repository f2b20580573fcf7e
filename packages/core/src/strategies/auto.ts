import { err, ok, type Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import { type NegotiationPlan, unsatisfiable } from "../negotiation/decision.js";
import { Handshake, type StepOutcome, warmSessionOf } from "../negotiation/handshake.js";
import type { PortKnowledge } from "../negotiation/negotiation-cache.js";
import type { NegotiationPort, PortChannel, SyscallFailure } from "../negotiation/negotiation-port.js";
import { oneShot } from "./one-shot.js";
import { probe } from "./probe.js";

/**
 * `auto`: when this process already learned the channel's supported set, go straight to the decided request
 * (one handle, one call); when the kernel then refuses it (the knowledge went stale), forget and probe. When
 * nothing is known yet, one-shot with the probe fallback. Either way what the kernel tells is remembered.
 */
export function auto<C extends PortChannel, S, P extends NegotiationPort<C>>(
  handshake: Handshake<C, S, P>,
  channel: C,
): StepOutcome<S> {
  const supported = handshake.known.supported.get(channel.key);
  if (supported === undefined) return oneShot(handshake, channel);
  const decision = handshake.decide(supported);
  if (unsatisfiable(decision)) return err(handshake.missingRequired(decision, 0n));
  const handle = handshake.open(channel);
  if (typeof handle !== "number") return handle;
  const sent = handshake.send(handle, decision);
  if (sent.isOk())
    return handshake.accept(handle, channel, sent.value, handshake.sentRequest, decision, "known-supported");
  return knownRequestRefused(handshake, channel, handle, sent.error);
}

// The request decided from what this process knew was refused on `handle`: a bit it does not know (the
// knowledge went stale) is probed again; anything else is the answer.
function knownRequestRefused<C extends PortChannel, S, P extends NegotiationPort<C>>(
  handshake: Handshake<C, S, P>,
  channel: C,
  handle: number,
  failure: SyscallFailure,
): StepOutcome<S> {
  handshake.close(handle);
  if (!handshake.isRejection(failure)) return err(handshake.failure(failure, handshake.sentRequest));
  handshake.known.supported.delete(channel.key);
  handshake.known.probed.delete(channel.key);
  return probe(handshake, channel);
}

/**
 * `auto` once warm: the plan's last settled session (its warnings all the outcome's own, verified, no
 * privileged feature asked; see `Outcome.settledUnder`) was reached on a supported set this process still
 * knows the same, on a channel still tried first. The same request there, answered the same, is the same
 * session with the same warnings: made without the handshake's steps. `undefined`, before any call, when that
 * is not so; any other turn once the calls began (a refused open or request, another answer) goes on as `auto`
 * goes on from that step.
 */
export function warmAuto<C extends PortChannel, S, P extends NegotiationPort<C>>(
  plan: NegotiationPlan<C>,
  port: P,
  known: PortKnowledge,
): Result<S, NegotiationError> | undefined {
  const warm = plan.warm;
  if (warm === undefined || warm.known !== known || warm.changes !== known.changes) return undefined;
  const { index, decision } = warm;
  const channel = plan.channels[index]!;
  const opened = port.open(channel);
  if (opened.isErr()) {
    const handshake = new Handshake<C, S, P>(plan, port, known);
    return handshake.run(auto, { index, outcome: handshake.openFailed(channel, opened.error.errno) });
  }
  const handle = opened.value;
  const sent = port.request(handle, decision.request);
  if (sent.isOk()) {
    const answer = sent.value;
    // The route settled under this knowledge on this channel (whatever the outcome settled under since).
    if (answer.features === undefined || answer.features === decision.supported)
      return ok(warmSessionOf<C, S, P>(plan, port, known, answer.fd ?? handle, channel, answer));
  }
  const handshake = new Handshake<C, S, P>(plan, port, known);
  handshake.sentRequest = decision.request;
  const step = sent.isOk()
    ? handshake.accept(handle, channel, sent.value, decision.request, decision, "known-supported")
    : knownRequestRefused(handshake, channel, handle, sent.error);
  return handshake.run(auto, { index, outcome: step });
}

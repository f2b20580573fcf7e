import { err } from "neverthrow";
import { unsatisfiable } from "../negotiation/decision.js";
import type { Handshake, StepOutcome } from "../negotiation/handshake.js";
import type { NegotiationPort, PortChannel } from "../negotiation/negotiation-port.js";
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
  handshake.close(handle);
  if (!handshake.isRejection(sent.error)) return err(handshake.failure(sent.error, handshake.sentRequest));
  handshake.known.supported.delete(channel.key);
  handshake.known.probed.delete(channel.key);
  return probe(handshake, channel);
}

import { err } from "neverthrow";
import { unsatisfiable } from "../negotiation/decision.js";
import type { Handshake, StepOutcome } from "../negotiation/handshake.js";
import type { NegotiationPort, PortChannel } from "../negotiation/negotiation-port.js";

/**
 * The one-shot subset request: ask for everything wanted at once on one handle and keep what the kernel
 * grants. A kernel that refuses a bit it does not know (EINVAL; Landlock also E2BIG) does not say which one:
 * with `onReject: probe` the refused handle, still unused, is probed and the request narrowed to what is
 * supported; with `onReject: fail` the refusal is the answer.
 */
export function oneShot<C extends PortChannel, S, P extends NegotiationPort<C>>(
  handshake: Handshake<C, S, P>,
  channel: C,
): StepOutcome<S> {
  const everything = handshake.decide(undefined);
  if (unsatisfiable(everything)) return err(handshake.missingRequired(everything, 0n));
  const handle = handshake.open(channel);
  if (typeof handle !== "number") return handle;
  const sent = handshake.send(handle, everything);
  if (sent.isOk())
    return handshake.accept(handle, channel, sent.value, handshake.sentRequest, everything, "one-shot");
  if (handshake.isRejection(sent.error) && handshake.plan.onReject === "probe") {
    handshake.warn({
      code: "probe-fallback",
      message: `the one-shot request {${handshake.iface.namesOf(handshake.sentRequest).join(", ")}} was refused with ${sent.error.errno}; probed the supported set on the same handle`,
    });
    return handshake.probeThenRequest(handle, channel, "one-shot-then-probe");
  }
  handshake.close(handle);
  return err(handshake.failure(sent.error, handshake.sentRequest));
}

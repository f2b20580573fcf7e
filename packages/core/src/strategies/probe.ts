import type { Handshake, StepOutcome } from "../negotiation/handshake.js";
import type { NegotiationPort, PortChannel } from "../negotiation/negotiation-port.js";

/**
 * The two-step probe: ask the kernel what it supports on a temporary handle (userfaultfd: `UFFDIO_API` with
 * `features = 0`, which consumes the fd; Landlock: the ABI version), decide from that, then ask a new handle
 * for exactly the decision. Never sends a bit the kernel does not know, at the price of a second handle.
 */
export function probe<C extends PortChannel, S, P extends NegotiationPort<C>>(
  handshake: Handshake<C, S, P>,
  channel: C,
): StepOutcome<S> {
  const handle = handshake.open(channel);
  if (typeof handle !== "number") return handle;
  return handshake.probeThenRequest(handle, channel, "probe");
}

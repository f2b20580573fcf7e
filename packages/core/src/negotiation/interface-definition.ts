import type { Errno } from "../errno.js";
import type { NegotiationError } from "../errors.js";
import type { StrategyName } from "../policy/policy.js";
import type { NegotiationPlan } from "./decision.js";
import type { PortKnowledge } from "./negotiation-cache.js";
import type { ChannelAttempt, NegotiationPort, PortAnswer, PortChannel } from "./negotiation-port.js";
import type { NegotiationWarning, Route } from "./negotiation-report.js";
import type { TraceEntry } from "./trace.js";

/** One feature of a kernel interface, as the core needs it. */
export interface InterfaceFeature<Name extends string = string> {
  /** The kernel's name without its prefix; unambiguous within the interface. */
  readonly name: Name;
  /** Its bit in the interface's feature space (one bigint; several kernel masks may sit side by side in it). */
  readonly mask: bigint;
  /** The mainline release that added it, `major.minor`. */
  readonly since: string;
  /** What the kernel enables along with it (userfaultfd's WP_ASYNC brings WP_UNPOPULATED); default none. */
  readonly implies?: bigint;
  /**
   * The kernel refuses it with EPERM without a privilege (userfaultfd's EVENT_FORK without CAP_SYS_PTRACE):
   * requested as an optional feature, it is dropped and the same handle retried. Default `false`.
   */
  readonly privileged?: boolean;
}

/** What the core hands an interface's session factory on success. */
export interface Grant<C extends PortChannel, P extends NegotiationPort<C> = NegotiationPort<C>> {
  /** The port the negotiation used: the session closes its fd through it. */
  readonly port: P;
  /**
   * What this process learned of the port: among it, `probed.get(channel.key)`, the answer of the query the
   * channel's supported set came from, in this negotiation or an earlier one.
   */
  readonly known: PortKnowledge;
  /** The fd the session owns: the request's new fd, or the handle the request was made on. */
  readonly fd: number;
  readonly channel: C;
  readonly answer: PortAnswer;
  /** The supported set the outcome was computed with (the answer's, or what was known before). */
  readonly supported: bigint;
  /** What the final request asked for. */
  readonly requested: bigint;
  /** What the policy wanted: required and optional features, less forbidden ones (and `oneOf` alternatives). */
  readonly wanted: bigint;
  /** What is enabled: the accepted request plus what it implies, within the supported set. */
  readonly enabled: bigint;
  readonly missingOptional: readonly string[];
  readonly route: Route;
  readonly strategy: StrategyName;
  readonly trace: TraceEntry[];
  readonly warnings: readonly NegotiationWarning<string>[];
}

/**
 * A kernel interface as data plus one port: its features, and how its refusals read. Adding an interface is
 * writing one of these and a `NegotiationPort`; no strategy changes. `S` is the interface's session type.
 */
export interface InterfaceDefinition<
  C extends PortChannel,
  S,
  A extends ChannelAttempt = ChannelAttempt,
  P extends NegotiationPort<C> = NegotiationPort<C>,
> {
  /** `userfaultfd`, `landlock`, …: names the interface in messages. */
  readonly name: string;
  readonly features: readonly InterfaceFeature[];
  /** Errnos of a request the kernel refused for a bit it does not know: `onReject: probe` narrows on them. */
  readonly rejectedWith: readonly Errno[];
  /** The session of a successful negotiation. */
  createSession(grant: Grant<C, P>): S;
  /**
   * The session `createSession` would make for `previous`'s grant with another `fd` and `trace`: `auto` once
   * warm (see `warmAuto`) calls it instead of `createSession` when the negotiation reached `previous`'s very
   * outcome, warnings and route, under the same knowledge, from the same probed answer (the same object). Optional:
   * without it every session is made by `createSession`. It must not call the port.
   */
  renewSession?(previous: S, fd: number, trace: TraceEntry[]): S;
  /** A refused `open` on `channel`: the attempt to report (the next channel is tried), or a final error. */
  openRefused(port: P, channel: C, errno: Errno): A | NegotiationError;
  /** Every channel was refused. */
  allRefused(attempts: readonly A[], trace: readonly TraceEntry[]): NegotiationError;
  /** A refused query (`features` 0n) or request, as the error the app gets. */
  requestFailed(port: P, errno: Errno, features: bigint, trace: readonly TraceEntry[]): NegotiationError;
  /** The warning for privileged optional features dropped after EPERM (see `InterfaceFeature.privileged`); default a generic one. */
  privilegedDropped?(names: readonly string[]): NegotiationWarning<string>;
  /** A warning for negotiating on `channel` under `plan` (userfaultfd's user-mode-only fallback); optional. */
  channelWarning?(channel: C, plan: NegotiationPlan<C>): NegotiationWarning<string> | undefined;
}

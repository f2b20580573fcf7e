import { err, ok, type Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import type { Grant } from "../negotiation/interface-definition.js";
import type { NegotiationWarning, Route } from "../negotiation/negotiation-report.js";
import type { TraceEntry } from "../negotiation/trace.js";
import type { EnabledFeatures, StrategyName } from "../policy/policy.js";
import type { ApiReply, Backend, BackendInfo, OpenMode } from "./backend-port.js";
import type { FeatureName } from "./catalogue.js";
import { FEATURE_MASKS } from "./feature-lookup.js";
import { type FeatureSet, featureSetOfU64 } from "./feature-set.js";
import type { PortCalls, UserfaultfdChannel } from "./port-calls.js";

/** A negotiated userfaultfd: the fd and exactly what is enabled on it. The app owns the fd. */
export interface Session<R extends FeatureName = never, O extends FeatureName = FeatureName>
  extends Disposable {
  /** The uffd; valid until `close()`. */
  readonly fd: number;
  /**
   * Every known feature, enabled or not. Typed from the policy: required names are `true`, optional ones
   * `boolean`; a policy loaded from a file types every name as `boolean`.
   */
  readonly enabled: EnabledFeatures<R, O>;
  /** Exactly what the kernel enabled on `fd`: the request plus implied features, within the supported set. */
  readonly enabledSet: FeatureSet;
  /** What this kernel supports (the `features` it returned). */
  readonly supported: FeatureSet;
  /** What was sent in the final `UFFDIO_API`. */
  readonly requested: FeatureSet;
  /** Optional features (and group alternatives) not enabled. */
  readonly missingOptional: readonly FeatureName[];
  /** The `ioctls` mask the kernel returned. */
  readonly ioctls: bigint;
  readonly strategy: StrategyName;
  readonly route: Route;
  readonly open: OpenMode;
  readonly backend: BackendInfo;
  /** Every port call of the negotiation, then the session's own close. Frozen, like the session. */
  readonly trace: readonly TraceEntry[];
  readonly warnings: readonly NegotiationWarning[];
  readonly closed: boolean;
  /** Closes the fd once; later calls do nothing and succeed. */
  close(): Result<void, NegotiationError>;
}

/** What a userfaultfd session is made from: the generic core's grant over the userfaultfd port. */
export type SessionInit = Grant<UserfaultfdChannel, PortCalls>;

const CLOSED: Result<void, NegotiationError> = ok(undefined);

// Sets, the enabled map and the frozen arrays are made on first use: most callers read one or two of them,
// and freezing costs a negotiation more than its port calls. The init object is not kept, so that an inlined
// negotiation need not allocate it. Everything is private (`#`) behind getters: nothing a caller can assign
// to, without the cost of freezing the session itself.
class NegotiatedSession implements Session<FeatureName, FeatureName> {
  readonly #fd: number;
  readonly #ioctls: bigint;
  readonly #strategy: StrategyName;
  readonly #route: Route;
  readonly #open: OpenMode;
  readonly #port: Backend;
  readonly #enabledMask: bigint;
  readonly #supportedMask: bigint;
  readonly #requestedMask: bigint;
  readonly #missingOptional: readonly FeatureName[];
  readonly #warnings: readonly NegotiationWarning[];
  #trace: readonly TraceEntry[];
  #traceFrozen = false;
  #listsFrozen = false;
  #enabledMap: EnabledFeatures<FeatureName, FeatureName> | undefined;
  #closed = false;

  constructor(init: SessionInit) {
    this.#fd = init.fd;
    // The userfaultfd port answers with the kernel's own reply.
    this.#ioctls = (init.answer as ApiReply).ioctls;
    this.#strategy = init.strategy;
    this.#route = init.route;
    this.#open = init.channel.key;
    this.#port = init.port.backend;
    this.#enabledMask = init.enabled;
    this.#supportedMask = init.supported;
    this.#requestedMask = init.requested;
    // The names come from this interface's catalogue.
    this.#missingOptional = init.missingOptional as readonly FeatureName[];
    this.#warnings = init.warnings as readonly NegotiationWarning[];
    this.#trace = init.trace;
  }

  get fd(): number {
    return this.#fd;
  }

  get ioctls(): bigint {
    return this.#ioctls;
  }

  get strategy(): StrategyName {
    return this.#strategy;
  }

  get route(): Route {
    return this.#route;
  }

  get open(): OpenMode {
    return this.#open;
  }

  get trace(): readonly TraceEntry[] {
    if (!this.#traceFrozen) {
      for (const entry of this.#trace) Object.freeze(entry);
      Object.freeze(this.#trace);
      this.#traceFrozen = true;
    }
    return this.#trace;
  }

  get missingOptional(): readonly FeatureName[] {
    this.#freezeLists();
    return this.#missingOptional;
  }

  get warnings(): readonly NegotiationWarning[] {
    this.#freezeLists();
    return this.#warnings;
  }

  #freezeLists(): void {
    if (this.#listsFrozen) return;
    Object.freeze(this.#missingOptional);
    for (const warning of this.#warnings) Object.freeze(warning);
    Object.freeze(this.#warnings);
    this.#listsFrozen = true;
  }

  get backend(): BackendInfo {
    return this.#port.info;
  }

  get enabledSet(): FeatureSet {
    return featureSetOfU64(this.#enabledMask);
  }

  get supported(): FeatureSet {
    return featureSetOfU64(this.#supportedMask);
  }

  get requested(): FeatureSet {
    return featureSetOfU64(this.#requestedMask);
  }

  get enabled(): EnabledFeatures<FeatureName, FeatureName> {
    if (!this.#enabledMap) {
      const map: Record<string, boolean> = {};
      for (const [bit, name] of FEATURE_MASKS) map[name] = (this.#enabledMask & bit) !== 0n;
      this.#enabledMap = Object.freeze(map) as EnabledFeatures<FeatureName, FeatureName>;
    }
    return this.#enabledMap;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): Result<void, NegotiationError> {
    if (this.#closed) return CLOSED;
    this.#closed = true;
    const result = this.#port.close(this.fd);
    const closeEntry = {
      op: "close",
      fd: this.fd,
      result: result.isOk() ? "ok" : result.error.errno,
    } as const;
    // A trace nobody has read yet is still this session's own: no copy.
    if (this.#traceFrozen) this.#trace = [...this.#trace, closeEntry];
    else (this.#trace as TraceEntry[]).push(closeEntry);
    this.#traceFrozen = false;
    return result.isOk()
      ? CLOSED
      : err({
          kind: "unexpected",
          errno: result.error.errno,
          detail: `close(${this.fd})`,
          message: `closing the session fd ${this.fd} failed with ${result.error.errno}`,
        });
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toJSON(): object {
    return {
      fd: this.fd,
      open: this.open,
      strategy: this.strategy,
      route: this.route,
      enabled: this.enabledSet.names(),
      supported: this.supported.names(),
      requested: this.requested.names(),
      missingOptional: this.missingOptional,
      ioctls: `0x${this.ioctls.toString(16)}`,
      warnings: this.warnings,
      closed: this.#closed,
    };
  }
}

export function createSession<R extends FeatureName, O extends FeatureName>(
  init: SessionInit,
): Session<R, O> {
  return new NegotiatedSession(init) as unknown as Session<R, O>;
}

import type { Backend, OpenMode } from "../backend/backend-port.js";

interface BackendKnowledge {
  readonly supported: Map<OpenMode, bigint>;
  /** Modes whose open was refused; skipped under `auto` while a later mode is known to work. */
  readonly refused: Set<OpenMode>;
  /** EVENT_FORK was refused with EPERM: an optional EVENT_FORK is not even asked for again. */
  forkDenied: boolean;
  /** Per open mode, requests whose enabled set the kernel confirmed, with the supported set they were confirmed under. */
  readonly verified: Map<OpenMode, Map<bigint, bigint>>;
}

/**
 * What negotiations learned about backends in this process: the supported set per open mode, which modes
 * were refused, whether EVENT_FORK was, which requests the kernel's own view confirmed. Used by the `auto`
 * strategy to skip the probe, and by `verify` to check each distinct request once. Keyed weakly by backend,
 * except that the backend used last is held until another one is used or it is forgotten.
 */
export class Knowledge {
  private readonly byBackend = new WeakMap<Backend, BackendKnowledge>();
  // A process negotiates with one backend again and again: it is found without a hash lookup.
  private lastBackend: Backend | undefined;
  private lastKnown: BackendKnowledge | undefined;

  of(backend: Backend): BackendKnowledge {
    if (backend === this.lastBackend) return this.lastKnown!;
    let known = this.byBackend.get(backend);
    if (!known) {
      known = { supported: new Map(), refused: new Set(), forkDenied: false, verified: new Map() };
      this.byBackend.set(backend, known);
    }
    this.lastBackend = backend;
    this.lastKnown = known;
    return known;
  }

  /** The supported set learned for a backend and mode, if any. */
  supported(backend: Backend, mode: OpenMode): bigint | undefined {
    return this.byBackend.get(backend)?.supported.get(mode);
  }

  /** Forgets everything about a backend (e.g. after its privileges changed). */
  forget(backend: Backend): void {
    this.byBackend.delete(backend);
    if (backend === this.lastBackend) this.lastBackend = this.lastKnown = undefined;
  }
}

/** The process-wide knowledge used when a call passes none. */
export const processKnowledge = new Knowledge();

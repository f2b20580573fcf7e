import type { NegotiationPlan } from "./decision.js";
import type { PortAnswer, PortChannel } from "./negotiation-port.js";

/** What negotiations learned about one port: every strategy asks here, none keeps its own cache. */
export interface PortKnowledge {
  /** The supported set per channel key. */
  readonly supported: Map<string, bigint>;
  /** The answer of the query each supported set came from (Landlock's ABI and errata are in its `detail`). */
  readonly probed: Map<string, PortAnswer>;
  /** Channels whose open was refused; skipped under `auto` while a later channel is known to work. */
  readonly refused: Set<string>;
  /** Privileged features refused with EPERM: optional ones are not even asked for again. */
  denied: bigint;
  /** Per channel, requests whose enabled set the kernel confirmed, with the supported set they were confirmed under. */
  readonly verified: Map<string, Map<bigint, bigint>>;
  /**
   * How many times `supported`, `probed` or `refused` changed: a warm route (`NegotiationPlan.warm`) holds the
   * count it was made at, and is taken again only while nothing learned since.
   */
  readonly changes: number;
}

// The maps and set of one port's knowledge, each change counted into it.
class CountedMap<K, V> extends Map<K, V> {
  constructor(private readonly owner: PortKnowledgeEntry) {
    super();
  }
  override set(key: K, value: V): this {
    this.owner.changes++;
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    this.owner.changes++;
    return super.delete(key);
  }
  override clear(): void {
    this.owner.changes++;
    super.clear();
  }
}

class CountedSet<T> extends Set<T> {
  constructor(private readonly owner: PortKnowledgeEntry) {
    super();
  }
  override add(value: T): this {
    this.owner.changes++;
    return super.add(value);
  }
  override delete(value: T): boolean {
    this.owner.changes++;
    return super.delete(value);
  }
  override clear(): void {
    this.owner.changes++;
    super.clear();
  }
}

class PortKnowledgeEntry implements PortKnowledge {
  changes = 0;
  readonly supported: Map<string, bigint> = new CountedMap(this);
  readonly probed: Map<string, PortAnswer> = new CountedMap(this);
  readonly refused: Set<string> = new CountedSet(this);
  denied = 0n;
  readonly verified = new Map<string, Map<bigint, bigint>>();
}

/**
 * What negotiations learned about ports in this process: the supported set per channel (userfaultfd: per open
 * mode), which channels were refused, which privileged features were, which requests the kernel's own view
 * confirmed. `auto` skips the probe with it, `verify` checks each distinct request once. Keyed weakly by the
 * backend object (the userfaultfd `Backend`, a `LandlockPort`), except that the one used last is held until
 * another one is used or it is forgotten.
 */
export class Knowledge {
  private readonly byBackend = new WeakMap<object, PortKnowledge>();
  // A process negotiates with one backend again and again: it is found without a hash lookup.
  private lastBackend: object | undefined;
  private lastKnown: PortKnowledge | undefined;

  of(backend: object): PortKnowledge {
    if (backend === this.lastBackend) return this.lastKnown!;
    let known = this.byBackend.get(backend);
    if (!known) {
      known = new PortKnowledgeEntry();
      this.byBackend.set(backend, known);
    }
    this.lastBackend = backend;
    this.lastKnown = known;
    return known;
  }

  /** The supported set learned for a backend and channel (userfaultfd: open mode), if any. */
  supported(backend: object, channel: string): bigint | undefined {
    return this.byBackend.get(backend)?.supported.get(channel);
  }

  /** Forgets everything about a backend (e.g. after its privileges changed). */
  forget(backend: object): void {
    this.byBackend.delete(backend);
    if (backend === this.lastBackend) this.lastBackend = this.lastKnown = undefined;
  }
}

/** The process-wide knowledge used when a call passes none. */
export const processKnowledge = new Knowledge();

/**
 * Plans per policy section object, made once: apps negotiate one policy again and again, so the last one is
 * found without a hash lookup.
 */
export class PlanCache<Section extends object, C extends PortChannel> {
  private readonly plans = new WeakMap<Section, NegotiationPlan<C>>();
  private lastSection: Section | undefined;
  private lastPlan: NegotiationPlan<C> | undefined;

  constructor(private readonly make: (section: Section) => NegotiationPlan<C>) {}

  of(section: Section): NegotiationPlan<C> {
    if (section === this.lastSection) return this.lastPlan!;
    let plan = this.plans.get(section);
    if (!plan) {
      plan = this.make(section);
      this.plans.set(section, plan);
    }
    this.lastSection = section;
    this.lastPlan = plan;
    return plan;
  }
}

import type { InterfaceDefinition, InterfaceFeature } from "./interface-definition.js";
import type { ChannelAttempt, NegotiationPort, PortChannel } from "./negotiation-port.js";

const NAMES_CACHE_LIMIT = 1024;
const NO_NAMES: readonly string[] = Object.freeze([]);

/** An interface's data turned into what the hot path reads: masks, implications, memoised names. */
export class CompiledInterface<
  C extends PortChannel,
  S,
  A extends ChannelAttempt = ChannelAttempt,
  P extends NegotiationPort<C> = NegotiationPort<C>,
> {
  /** Every feature with `privileged`. */
  readonly privileged: bigint;
  /** Every known feature. */
  readonly known: bigint;
  readonly rejectedWith: ReadonlySet<string>;
  private readonly implications: readonly (readonly [bigint, bigint])[];
  private readonly byName = new Map<string, InterfaceFeature>();
  private readonly names = new Map<bigint, readonly string[]>();

  constructor(readonly definition: InterfaceDefinition<C, S, A, P>) {
    let privileged = 0n;
    let known = 0n;
    const implications: (readonly [bigint, bigint])[] = [];
    for (const feature of definition.features) {
      known |= feature.mask;
      if (feature.privileged) privileged |= feature.mask;
      if (feature.implies) implications.push([feature.mask, feature.implies]);
      this.byName.set(feature.name, feature);
    }
    this.privileged = privileged;
    this.known = known;
    this.implications = implications;
    this.rejectedWith = new Set(definition.rejectedWith);
  }

  /** The request plus what the kernel enables along with it. */
  withImplied(request: bigint): bigint {
    let mask = request;
    for (const [bit, implied] of this.implications) if ((request & bit) !== 0n) mask |= implied;
    return mask;
  }

  /** The known names of a mask, in table order; memoised, since a process meets few distinct masks. */
  namesOf(mask: bigint): readonly string[] {
    if (mask === 0n) return NO_NAMES;
    let names = this.names.get(mask);
    if (!names) {
      if (this.names.size >= NAMES_CACHE_LIMIT) this.names.clear();
      names = Object.freeze(
        this.definition.features
          .filter((feature) => (feature.mask & mask) !== 0n)
          .map((feature) => feature.name),
      );
      this.names.set(mask, names);
    }
    return names;
  }

  /** The mask of names known to the interface (unknown names are left out). */
  maskOf(names: readonly string[]): bigint {
    let mask = 0n;
    for (const name of names) mask |= this.byName.get(name)?.mask ?? 0n;
    return mask;
  }

  /** The release that added a feature. */
  sinceOf(name: string): string {
    return this.byName.get(name)?.since ?? "an unknown release";
  }
}

import { err, ok, type Result } from "neverthrow";
import type {
  NegotiationPort,
  PortAnswer,
  PortChannel,
  SyscallFailure,
} from "../negotiation/negotiation-port.js";
import { NO_CALLS, type TraceEntry, traced } from "../negotiation/trace.js";
import type { LandlockMasks } from "./landlock-definition.js";
import {
  FLAG_SPACE,
  masksOfSpace,
  namesOfSpace,
  spaceAtAbi,
  spaceOfNames,
} from "./landlock-feature-space.js";
import { NEWEST_LANDLOCK_ABI } from "./landlock-lookup.js";
import type { LandlockPort, RulesetAttr } from "./landlock-port.js";
import { landlockQuirkOf } from "./landlock-quirks.js";

/** Landlock's one channel: the three syscalls need no handle before the ruleset is created. */
export interface LandlockChannel extends PortChannel<"landlock"> {}

export const LANDLOCK_CHANNEL: LandlockChannel = Object.freeze({ key: "landlock" });

// The handle of a channel that needs none: nothing is created before the ruleset, nothing to close.
const NO_HANDLE = -1;
const OPENED: Result<number, SyscallFailure> = ok(NO_HANDLE);
const EINVAL: SyscallFailure = Object.freeze({ errno: "EINVAL" });

/**
 * A `LandlockPort` as the generic port, with every call recorded in a trace. A query is the ABI version (and
 * the errata), turned into the ABI's row of the catalogue less a known vendor quirk; a request creates the
 * ruleset. Restrict and add_rule flags are not part of the ruleset: they are checked against the ABI, as the
 * kernel would check them later.
 */
export class LandlockPortCalls implements NegotiationPort<LandlockChannel> {
  /** Every call made, in order (a new array once the first call is recorded). */
  trace: TraceEntry[] = NO_CALLS;
  /** The ABI the kernel reported, capped at the newest known; `undefined` until asked. */
  abi: number | undefined;
  /** The errata the kernel reported (0n when it cannot be asked). */
  errata = 0n;

  constructor(readonly backend: LandlockPort) {}

  get info() {
    return this.backend.info;
  }

  open(): Result<number, SyscallFailure> {
    return OPENED;
  }

  /** Takes the ABI and errata from the `detail` of an earlier query's answer. */
  remember(probed: PortAnswer): void {
    if (this.abi !== undefined) return;
    if (probed !== decoded.answer) {
      const detail = probed.detail ?? 0n;
      decoded = { answer: probed, abi: Number(detail & 0xffff_ffffn), errata: detail >> 32n };
    }
    this.abi = decoded.abi;
    this.errata = decoded.errata;
  }

  /** The ABI version and errata, asked once per negotiation. */
  version(): Result<number, SyscallFailure> {
    if (this.abi !== undefined) return ok(this.abi);
    const version = this.backend.abiVersion();
    this.trace = traced(
      this.trace,
      version.isOk()
        ? { op: "landlock-version", result: "ok", abi: version.value }
        : { op: "landlock-version", result: version.error.errno },
    );
    if (version.isErr()) return version;
    this.abi = Math.min(version.value, NEWEST_LANDLOCK_ABI);
    const errata = this.backend.errata();
    this.trace = traced(
      this.trace,
      errata.isOk()
        ? { op: "landlock-errata", result: "ok", errata: errata.value }
        : { op: "landlock-errata", result: errata.error.errno },
    );
    // Before ABI 7 (without the stable backport) the query is EINVAL: no erratum is reported.
    this.errata = errata.isOk() ? errata.value : 0n;
    return ok(this.abi);
  }

  /** What this kernel supports: its ABI's row, less what a known vendor kernel refuses. */
  supported(abi: number): bigint {
    const quirk = landlockQuirkOf(this.backend.info.kernelRelease);
    return quirk ? spaceAtAbi(abi) & ~spaceOfNames(quirk.refuses) : spaceAtAbi(abi);
  }

  query(): Result<PortAnswer, SyscallFailure> {
    const abi = this.version();
    if (abi.isErr()) return err(abi.error);
    // The ABI and errata ride along in `detail`, so that a negotiation that skips the query still knows them.
    return ok({ features: this.supported(abi.value), detail: BigInt(abi.value) | (this.errata << 32n) });
  }

  request(_handle: number, features: bigint): Result<PortAnswer, SyscallFailure> {
    const { masks, attr, flags } = rulesetRequestOf(features);
    if (flags !== 0n) {
      const abi = this.version();
      if (abi.isErr()) return err(abi.error);
      const unknown = flags & ~this.supported(abi.value);
      if (unknown !== 0n) {
        // What landlock_restrict_self (or add_rule) would answer later, said before a ruleset is made.
        this.trace = traced(this.trace, {
          op: "call",
          call: `flags {${namesOfSpace(unknown).join(", ")}} checked against ABI ${abi.value}`,
          result: "EINVAL",
        });
        return err(EINVAL);
      }
    }
    const { fs, net, scope } = masks;
    const created = this.backend.createRuleset(attr);
    this.trace = traced(
      this.trace,
      created.isOk()
        ? { op: "landlock-create-ruleset", fs, net, scoped: scope, result: "ok", fd: created.value }
        : { op: "landlock-create-ruleset", fs, net, scoped: scope, result: created.error.errno },
    );
    return created.isOk() ? ok({ features: undefined, fd: created.value }) : err(created.error);
  }

  close(handle: number): void {
    if (handle === NO_HANDLE) return;
    const closed = this.backend.close(handle);
    this.trace = traced(this.trace, {
      op: "close",
      fd: handle,
      result: closed.isOk() ? "ok" : closed.error.errno,
    });
  }
}

// Every warm negotiation remembers the same probed answer and sends the same masks: each is decoded once.
let decoded: { readonly answer: PortAnswer | undefined; readonly abi: number; readonly errata: bigint } = {
  answer: undefined,
  abi: 0,
  errata: 0n,
};

/** A request of the feature space as the port sends it: the ruleset's masks and struct, and its flags. */
interface RulesetRequest {
  readonly features: bigint;
  readonly masks: LandlockMasks;
  readonly attr: RulesetAttr;
  /** The restrict and add_rule flags asked for: checked against the ABI, not sent. */
  readonly flags: bigint;
}

let lastRequest: RulesetRequest | undefined;

function rulesetRequestOf(features: bigint): RulesetRequest {
  if (lastRequest !== undefined && lastRequest.features === features) return lastRequest;
  const masks = masksOfSpace(features);
  lastRequest = {
    features,
    masks,
    // Every field present: the port's reads of the struct's quiet fields find them without a prototype walk.
    attr: Object.freeze({
      handledAccessFs: masks.fs,
      handledAccessNet: masks.net,
      scoped: masks.scope,
      quietAccessFs: 0n,
      quietAccessNet: 0n,
      quietScoped: 0n,
    }),
    flags: features & FLAG_SPACE,
  };
  return lastRequest;
}

/** A `LandlockPort` as a generic `NegotiationPort` (what the core negotiates through), with its trace. */
export const landlockNegotiationPort = (port: LandlockPort): NegotiationPort<LandlockChannel> =>
  new LandlockPortCalls(port);

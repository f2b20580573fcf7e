// A third kernel interface, for tests only: two features, a scripted port. It is added by data and a port
// alone: no strategy file knows it, yet probe, one-shot and auto negotiate it.
import {
  type ChannelAttempt,
  defineKernelInterface,
  type Errno,
  Knowledge,
  type NegotiationPort,
  type PortAnswer,
  type StrategyName,
  type SyscallFailure,
  type TraceEntry,
} from "@negotiate/core";
import { negotiationPortConformance } from "@negotiate/core/conformance";
import { err, ok, type Result } from "neverthrow";
import { describe, expect, it } from "vitest";

const ALPHA = 1n << 0n;
const BETA = 1n << 1n;

interface WidgetChannel {
  readonly key: "widget";
}
const CHANNEL: WidgetChannel = { key: "widget" };

/** A kernel with widgets: `supported` bits; a handle takes one call (query or request), as a uffd does. */
class ScriptedWidgetPort implements NegotiationPort<WidgetChannel> {
  readonly info = { name: "scripted" };
  readonly trace: TraceEntry[] = [];
  readonly calls: string[] = [];
  /** Handles open now. */
  readonly live = new Set<number>();
  private readonly used = new Set<number>();
  private readonly queried = new Set<number>();
  private next = 100;

  constructor(
    private readonly supported: bigint,
    private readonly script: { readonly refuseOpen?: Errno; readonly dropsUnknown?: boolean } = {},
  ) {}

  open(_channel: WidgetChannel): Result<number, SyscallFailure> {
    if (this.script.refuseOpen) return this.record("open", err({ errno: this.script.refuseOpen }));
    const handle = this.next++;
    this.live.add(handle);
    return this.record("open", ok(handle));
  }

  private record<T>(call: string, result: Result<T, SyscallFailure>): Result<T, SyscallFailure> {
    this.calls.push(call);
    this.trace.push({ op: "call", call, result: result.isOk() ? "ok" : result.error.errno });
    return result;
  }

  query(handle: number): Result<PortAnswer, SyscallFailure> {
    if (!this.live.has(handle) || this.used.has(handle))
      return this.record("query", err({ errno: "EINVAL" }));
    this.used.add(handle);
    this.queried.add(handle);
    return this.record("query", ok({ features: this.supported }));
  }

  request(handle: number, features: bigint): Result<PortAnswer, SyscallFailure> {
    const call = `request 0x${features.toString(16)}`;
    // Asking a queried handle for nothing is answered from the query, as the contract allows.
    if (features === 0n && this.queried.has(handle)) return ok({ features: this.supported });
    if (!this.live.has(handle) || this.used.has(handle)) return this.record(call, err({ errno: "EINVAL" }));
    if ((features & ~this.supported) !== 0n && !this.script.dropsUnknown)
      return this.record(call, err({ errno: "EINVAL" }));
    this.used.add(handle);
    return this.record(call, ok({ features: this.supported }));
  }

  close(handle: number): void {
    this.record("close", ok(undefined));
    this.live.delete(handle);
    this.queried.delete(handle);
  }
}
interface WidgetSession {
  readonly handle: number;
  readonly enabled: bigint;
  readonly route: string;
}

const widgets = defineKernelInterface<WidgetChannel, WidgetSession, ChannelAttempt, ScriptedWidgetPort>({
  name: "widget",
  features: [
    { name: "ALPHA", mask: ALPHA, since: "6.1" },
    { name: "BETA", mask: BETA, since: "6.9" },
  ],
  rejectedWith: ["EINVAL"],
  createSession: (grant) => ({ handle: grant.fd, enabled: grant.enabled, route: grant.route }),
  openRefused: (_port, channel, errno) => ({ mode: channel.key, errno }),
  allRefused: (attempts, trace) => ({
    kind: "unsupported",
    reason: "open-mode",
    attempts: [],
    trace,
    message: `no widget: ${attempts.map((attempt) => attempt.errno).join(", ")}`,
  }),
  requestFailed: (_port, errno, _features, trace) => ({
    kind: "unexpected",
    errno,
    detail: "widget",
    trace,
    message: `widget refused: ${errno}`,
  }),
});

function widgetPort(supported: bigint, script?: ConstructorParameters<typeof ScriptedWidgetPort>[1]) {
  const port = new ScriptedWidgetPort(supported, script);
  return { port, handles: port.live };
}

const planFor = (strategy: StrategyName, required: bigint, optional: bigint) =>
  widgets.plan({
    required,
    optional,
    forbidden: 0n,
    oneOf: [],
    channels: [CHANNEL],
    strategy,
    onReject: "probe",
    onMissingOptional: "ignore",
    verify: false,
  });

describe("a third interface, added by data and a port alone", () => {
  const expected: { [Name in StrategyName]: { readonly calls: readonly string[]; readonly route: string } } =
    {
      probe: { calls: ["open", "query", "close", "open", "request 0x1"], route: "probe" },
      "one-shot": {
        calls: ["open", "request 0x3", "query", "close", "open", "request 0x1"],
        route: "one-shot-then-probe",
      },
      auto: {
        calls: ["open", "request 0x3", "query", "close", "open", "request 0x1"],
        route: "one-shot-then-probe",
      },
    };
  for (const strategy of ["probe", "one-shot", "auto"] as const) {
    it(`${strategy}: a kernel with ALPHA only gives ALPHA, the seed's way, and leaves one handle open`, () => {
      const { port, handles } = widgetPort(ALPHA);
      const session = widgets
        .negotiate(planFor(strategy, ALPHA, BETA), port, { knowledge: new Knowledge() })
        ._unsafeUnwrap();
      expect(session.enabled).toBe(ALPHA);
      expect(session.route).toBe(expected[strategy].route);
      expect(port.calls).toEqual(expected[strategy].calls);
      expect([...handles]).toEqual([session.handle]);
    });

    it(`${strategy}: a required BETA the kernel lacks is missing-required, with its release; nothing left open`, () => {
      const { port, handles } = widgetPort(ALPHA);
      const error = widgets
        .negotiate(planFor(strategy, BETA, 0n), port, { knowledge: new Knowledge() })
        ._unsafeUnwrapErr();
      expect(error).toMatchObject({ kind: "missing-required", missing: [{ name: "BETA", since: "6.9" }] });
      expect(handles.size).toBe(0);
    });

    it(`${strategy}: a refused open is the interface's own error`, () => {
      const { port } = widgetPort(ALPHA, { refuseOpen: "EACCES" });
      const error = widgets
        .negotiate(planFor(strategy, ALPHA, 0n), port, { knowledge: new Knowledge() })
        ._unsafeUnwrapErr();
      expect(error.message).toBe("no widget: EACCES");
    });
  }

  it("auto remembers: the second negotiation is one handle, one request", () => {
    const knowledge = new Knowledge();
    const { port } = widgetPort(ALPHA | BETA);
    const plan = planFor("auto", ALPHA, BETA);
    widgets.negotiate(plan, port, { knowledge })._unsafeUnwrap();
    port.calls.length = 0;
    const again = widgets.negotiate(plan, port, { knowledge })._unsafeUnwrap();
    expect(again.route).toBe("known-supported");
    expect(port.calls).toEqual(["open", "request 0x3"]);
  });

  it("a kernel that drops an unknown bit silently fails the one-shot request it cannot honour", () => {
    const { port, handles } = widgetPort(ALPHA, { dropsUnknown: true });
    const error = widgets
      .negotiate(planFor("one-shot", ALPHA | BETA, 0n), port, { knowledge: new Knowledge() })
      ._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "missing-required" });
    expect(handles.size).toBe(0);
  });
});

negotiationPortConformance({
  name: "the scripted widget port",
  create: () => widgetPort(ALPHA | BETA).port,
  channel: CHANNEL,
  rejectedWith: ["EINVAL"],
  unknownRequest: 1n << 5n,
});

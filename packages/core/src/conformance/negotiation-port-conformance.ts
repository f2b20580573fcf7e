import { describe, expect, it } from "vitest";
import type { Errno } from "../errno.js";
import type { NegotiationPort, PortChannel } from "../negotiation/negotiation-port.js";

/** A generic port under test: how to make one, its channel, and what its kernel refuses. */
export interface NegotiationPortTarget<C extends PortChannel> {
  /** Shown in the suite's name. */
  readonly name: string;
  /** A fresh port; called once per test. */
  readonly create: () => NegotiationPort<C>;
  /** A channel that opens for this caller. */
  readonly channel: C;
  /** The interface's rejection errnos (`InterfaceDefinition.rejectedWith`). */
  readonly rejectedWith: readonly Errno[];
  /** A request the kernel refuses for a bit it does not know; omit for a kernel that drops such bits silently. */
  readonly unknownRequest?: bigint;
  /** The fds the process has open now, to prove the port leaks none; optional. */
  readonly openFds?: () => readonly number[];
}

/**
 * The contract every interface's `NegotiationPort` keeps (see negotiation-port.ts), whatever the interface and
 * the backend behind it: the steps the strategies are written with. Call it inside a vitest test file.
 */
export function negotiationPortConformance<C extends PortChannel>(target: NegotiationPortTarget<C>): void {
  const { channel } = target;
  const fresh = () => {
    const port = target.create();
    const before = target.openFds?.();
    const leaves = () => {
      if (before) expect(target.openFds!()).toEqual(before);
    };
    const open = () => {
      const opened = port.open(channel);
      expect(opened.isOk(), `open(${channel.key}) → ${opened.isErr() ? opened.error.errno : "ok"}`).toBe(
        true,
      );
      return opened._unsafeUnwrap();
    };
    return { port, leaves, open };
  };

  describe(`negotiation port contract: ${target.name}`, () => {
    it("open gives a handle that close releases", () => {
      const { port, leaves, open } = fresh();
      const handle = open();
      expect(Number.isInteger(handle)).toBe(true);
      port.close(handle);
      leaves();
    });

    it("query tells the supported set, a u64-sized bigint or wider space, and the trace records the calls", () => {
      const { port, leaves, open } = fresh();
      const handle = open();
      const before = port.trace.length;
      const answer = port.query(handle)._unsafeUnwrap();
      expect(typeof answer.features).toBe("bigint");
      expect(answer.features! >= 0n).toBe(true);
      expect(port.trace.length).toBeGreaterThan(before);
      port.close(handle);
      leaves();
    });

    it("a request for one supported feature is granted, on the answer's fd or the handle", () => {
      const { port, leaves, open } = fresh();
      const probeHandle = open();
      const supported = port.query(probeHandle)._unsafeUnwrap().features!;
      port.close(probeHandle);
      const lowest = supported & -supported;
      const handle = open();
      const answer = port.request(handle, lowest);
      expect(answer.isOk(), answer.isErr() ? answer.error.errno : "").toBe(true);
      const granted = answer._unsafeUnwrap();
      if (granted.features !== undefined) expect(granted.features & lowest).toBe(lowest);
      if (granted.fd !== undefined && granted.fd !== handle) port.close(granted.fd);
      port.close(handle);
      leaves();
    });

    it("after a query, a request for nothing is granted on the same handle", () => {
      const { port, leaves, open } = fresh();
      const handle = open();
      port.query(handle)._unsafeUnwrap();
      const answer = port.request(handle, 0n);
      // Landlock's ruleset would handle nothing: the kernel's ENOMSG is the honest answer there.
      if (answer.isOk()) {
        const granted = answer.value;
        if (granted.fd !== undefined && granted.fd !== handle) port.close(granted.fd);
      } else expect(answer.error.errno).toBe("ENOMSG");
      port.close(handle);
      leaves();
    });

    it.skipIf(target.unknownRequest === undefined)(
      "an unknown bit is refused with a rejection errno, and the same handle still takes a query",
      () => {
        const { port, leaves, open } = fresh();
        const handle = open();
        const refused = port.request(handle, target.unknownRequest!);
        expect(refused.isErr()).toBe(true);
        expect(target.rejectedWith).toContain(refused._unsafeUnwrapErr().errno);
        const answer = port.query(handle);
        expect(answer.isOk(), answer.isErr() ? answer.error.errno : "").toBe(true);
        port.close(handle);
        leaves();
      },
    );

    it("never throws, even for a handle it never gave", () => {
      const { port } = fresh();
      expect(() => port.close(2_000_000_000)).not.toThrow();
      expect(() => port.query(2_000_000_000)).not.toThrow();
    });
  });
}

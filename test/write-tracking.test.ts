import { linuxBackend } from "@negotiate/linux";
import { beforeAll, describe, expect, test } from "vitest";
import type { Clock } from "../examples/lazy-memory/src/clock.js";
import { loadUffdOps } from "../examples/lazy-memory/src/koffi-uffd-ops.js";
import type { UffdOps, UffdRange } from "../examples/lazy-memory/src/uffd-ops.js";
import {
  formatWriteTrackingReport,
  initialByte,
  runWriteTracking,
  type WriteTrackingReport,
  writtenByte,
} from "../examples/lazy-memory/src/write-tracking.js";
import {
  kernelSince,
  kernelWithout,
  manualClock,
  UNHURRIED_MS,
  uffdSkipReason,
  watchResources,
} from "./support/uffd-host.js";

const skip = uffdSkipReason() ?? (kernelSince("5.7") ? undefined : "write-protect faults need Linux 5.7");

// What the region must hold: the worker's bytes in the pages it wrote, the initial ones elsewhere.
function expectedContent(pages: number, pageSize: number, writes: readonly number[]): Buffer {
  const bytes = Buffer.alloc(pages * pageSize);
  for (let index = 0; index < pages; index++) {
    const byte = writes.includes(index) ? writtenByte : initialByte;
    for (let offset = 0; offset < pageSize; offset++) bytes[index * pageSize + offset] = byte(index, offset);
  }
  return bytes;
}

// The worker writes pages 3 and 6, each a write-protect fault, within a 50 ms deadline on `clock`.
const writesPastDeadline = (clock: Clock, ops: UffdOps) =>
  runWriteTracking({ pages: 8, writes: [3, 6], tracking: "faults", timeoutMs: 50, clock, ops });

async function track(options: Parameters<typeof runWriteTracking>[0]): Promise<WriteTrackingReport> {
  const result = await runWriteTracking({ timeoutMs: UNHURRIED_MS, ...options });
  expect(result.isErr() ? result.error : undefined).toBeUndefined();
  return result._unsafeUnwrap();
}

describe.skipIf(skip !== undefined)(
  `write tracking on the real kernel${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let ops: UffdOps;
    let pageSize = 0;

    beforeAll(() => {
      ops = loadUffdOps()._unsafeUnwrap();
      pageSize = ops.pageSize;
    });

    test.each([
      { tracking: "auto", writes: [1, 4, 6] },
      { tracking: "auto", writes: [] },
      { tracking: "faults", writes: [7, 0, 3] },
      { tracking: "faults", writes: [0, 1, 2, 3, 4, 5, 6, 7] },
    ] as const)("$tracking: the pages found written are exactly $writes", async ({ tracking, writes }) => {
      const watch = watchResources(ops);
      const report = await track({ pages: 8, writes, tracking, ops: watch.ops });

      const async = tracking === "auto" && kernelSince("6.7");
      expect(report.mode).toBe(async ? "wp-async" : "wp-faults");
      expect(report.negotiated.enabled.includes("WP_ASYNC")).toBe(async);
      expect(report.written).toEqual([...writes].sort((a, b) => a - b));
      expect(report.faults.map((fault) => fault.page)).toEqual(async ? [] : writes);
      expect(Buffer.from(report.content).equals(expectedContent(8, pageSize, writes))).toBe(true);
      expect(watch.mapped()).toBe(1);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("each write-protect fault names the worker thread when THREAD_ID is enabled", async () => {
      const report = await track({ pages: 4, writes: [2, 1], tracking: "faults" });

      expect(report.negotiated.threadId).toBe(true);
      expect(report.worker.threadId).not.toBe(process.pid);
      expect(report.faults.map((fault) => fault.threadId)).toEqual([
        report.worker.threadId,
        report.worker.threadId,
      ]);
      expect(formatWriteTrackingReport(report)).toContain(`write-protect fault on page 2 at`);
    });

    test("on a kernel without WP_ASYNC, auto falls back to serving write-protect faults", async () => {
      const watch = watchResources(ops);
      const backend = kernelWithout(linuxBackend()._unsafeUnwrap(), "WP_ASYNC");
      const report = await track({ pages: 8, writes: [5, 2], backend, ops: watch.ops });

      expect(report.mode).toBe("wp-faults");
      expect(report.written).toEqual([2, 5]);
      expect(Buffer.from(report.content).equals(expectedContent(8, pageSize, [5, 2]))).toBe(true);
      expect(watch.mapped()).toBe(1);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("on a kernel without write-protect support the negotiation fails, leaving nothing behind", async () => {
      const watch = watchResources(ops);
      const backend = kernelWithout(
        linuxBackend()._unsafeUnwrap(),
        "PAGEFAULT_FLAG_WP",
        "WP_HUGETLBFS_SHMEM",
        "WP_UNPOPULATED",
        "WP_ASYNC",
      );
      const result = await runWriteTracking({ backend, ops: watch.ops });

      expect(result.isErr() && result.error).toMatchObject({
        kind: "negotiation",
        error: { kind: "missing-required", missing: [{ name: "PAGEFAULT_FLAG_WP" }] },
      });
      expect(watch.mapped()).toBe(0);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("a page outside the region is refused before any worker starts, releasing the region", async () => {
      const watch = watchResources(ops);
      const result = await runWriteTracking({ pages: 4, writes: [1, 4], ops: watch.ops });

      expect(result.isErr() && result.error).toMatchObject({ kind: "invalid-options" });
      expect(watch.mapped()).toBe(1);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("a deadline that passes while the worker still loads: no terminate mid-load, no fd left open", async () => {
      const watch = watchResources(ops);
      // The deadline passes at the first poll, long before the worker has loaded its modules (~0.3 s), and an
      // hour passes once it is released, as on a machine too busy to load it within the exit grace: it must be
      // awaited, not terminated mid-load, or the files it was reading stay open.
      const clock = manualClock();
      const slowMachine = new Proxy(watch.ops, {
        get(target, key) {
          if (key === "waitReadable") {
            return (fd: number, timeoutMs: number) => {
              if (clock.now() < 50) clock.advance(50);
              return target.waitReadable(fd, timeoutMs);
            };
          }
          if (key === "writeProtect") {
            return (fd: number, range: UffdRange, mode: bigint) => {
              setImmediate(() => clock.advance(3_600_000));
              return target.writeProtect(fd, range, mode);
            };
          }
          return Reflect.get(target, key);
        },
      });
      const result = await writesPastDeadline(clock, slowMachine);

      expect(result.isErr() && result.error).toMatchObject({
        kind: "timeout",
        waitedMs: 50,
        message: "the worker did not finish within 50 ms",
      });
      expect(clock.now()).toBeGreaterThan(3_600_000);
      expect(watch.mapped()).toBe(1);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("a deadline that passes while the worker waits on a fault: it is released and exits", async () => {
      const watch = watchResources(ops);
      // The first fault is read and dropped, and the clock passes the deadline: the writer sleeps in the kernel
      // until the release un-protects the region.
      const clock = manualClock();
      let droppedFaults = 0;
      const unserved = new Proxy(watch.ops, {
        get(target, key) {
          if (key !== "readMessages") return Reflect.get(target, key);
          return (fd: number, max?: number) =>
            target.readMessages(fd, max).map((messages) => {
              if (messages.length === 0 || clock.now() >= 50) return messages;
              droppedFaults = messages.filter((message) => message.kind === "pagefault").length;
              clock.advance(50);
              return [];
            });
        },
      });
      const result = await writesPastDeadline(clock, unserved);

      expect(droppedFaults).toBe(1);
      expect(result.isErr() && result.error).toMatchObject({ kind: "timeout", waitedMs: 50 });
      expect(watch.mapped()).toBe(1);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });
  },
);

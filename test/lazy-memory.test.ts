import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linuxBackend } from "@negotiate/linux";
import koffi from "koffi";
import { beforeAll, describe, expect, test } from "vitest";
import { loadUffdOps, uffdIoctlNumbers } from "../examples/lazy-memory/src/koffi-uffd-ops.js";
import { formatLazyMemoryReport, runLazyMemory } from "../examples/lazy-memory/src/lazy-memory.js";
import { fileSource, type PageSource, patternByte } from "../examples/lazy-memory/src/page-source.js";
import type { UffdOps } from "../examples/lazy-memory/src/uffd-ops.js";
import {
  kernelSince,
  kernelWithout,
  manualClock,
  UNHURRIED_MS,
  uffdSkipReason,
  watchResources,
} from "./support/uffd-host.js";

const skip = uffdSkipReason();

// Pages of random bytes the test keeps, so the served data is checked against what the test itself produced.
function randomPages(
  count: number,
  pageSize: number,
): { readonly source: PageSource; readonly bytes: Buffer } {
  const pages = Array.from({ length: count }, () => randomBytes(pageSize));
  return {
    source: { description: "random", fill: (index, page) => page.set(pages[index]!) },
    bytes: Buffer.concat(pages),
  };
}

function patternPages(count: number, pageSize: number): Buffer {
  const bytes = Buffer.alloc(count * pageSize);
  for (let index = 0; index < count; index++) {
    for (let offset = 0; offset < pageSize; offset++)
      bytes[index * pageSize + offset] = patternByte(index, offset);
  }
  return bytes;
}

describe.skipIf(skip !== undefined)(
  `lazy memory on the real kernel${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let ops: UffdOps;
    let pageSize = 0;

    beforeAll(() => {
      ops = loadUffdOps()._unsafeUnwrap();
      pageSize = ops.pageSize;
    });

    test("the ioctl numbers derived from the struct layouts are the kernel's", () => {
      expect(uffdIoctlNumbers(koffi)).toEqual({
        UFFDIO_REGISTER: 0xc020aa00n,
        UFFDIO_UNREGISTER: 0x8010aa01n,
        UFFDIO_WAKE: 0x8010aa02n,
        UFFDIO_COPY: 0xc028aa03n,
        UFFDIO_WRITEPROTECT: 0xc018aa06n,
        msgSize: 32,
      });
    });

    test("every page the worker reads is the source's, byte for byte, and THREAD_ID names the worker", async () => {
      const watch = watchResources(ops);
      const { source, bytes } = randomPages(8, pageSize);
      const result = await runLazyMemory({ pages: 8, source, timeoutMs: UNHURRIED_MS, ops: watch.ops });
      expect(result.isErr() ? result.error : undefined).toBeUndefined();
      const report = result._unsafeUnwrap();

      expect(Buffer.from(report.data).equals(bytes)).toBe(true);
      expect(report.served.map((fault) => fault.page)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(report.served.every((fault) => !fault.write)).toBe(true);
      expect(report.negotiated.threadId).toBe(kernelSince("4.14"));
      expect(report.worker.threadId).not.toBe(process.pid);
      expect(report.served.map((fault) => fault.threadId)).toEqual(Array(8).fill(report.worker.threadId));
      expect(formatLazyMemoryReport(report)).toContain(`by thread ${report.worker.threadId}`);
      expect(watch.mapped()).toBe(2);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("pages come from a file, zero past its end", async () => {
      const directory = mkdtempSync(join(tmpdir(), "lazy-memory-"));
      try {
        const content = randomBytes(3 * pageSize + pageSize / 2);
        const path = join(directory, "pages.bin");
        writeFileSync(path, content);
        const watch = watchResources(ops);
        const report = (
          await runLazyMemory({ pages: 4, source: fileSource(path), timeoutMs: UNHURRIED_MS, ops: watch.ops })
        )._unsafeUnwrap();
        expect(Buffer.from(report.data).equals(Buffer.concat([content, Buffer.alloc(pageSize / 2)]))).toBe(
          true,
        );
        expect(report.source).toBe(`file ${path}`);
        expect(watch.mapped()).toBe(2);
        expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
      } finally {
        rmSync(directory, { recursive: true });
      }
    });

    test("on a kernel without THREAD_ID the faults carry no thread id and are still served", async () => {
      const watch = watchResources(ops);
      const backend = kernelWithout(linuxBackend()._unsafeUnwrap(), "THREAD_ID");
      const report = (
        await runLazyMemory({ pages: 4, backend, timeoutMs: UNHURRIED_MS, ops: watch.ops })
      )._unsafeUnwrap();

      expect(report.negotiated.threadId).toBe(false);
      expect(report.negotiated.enabled).not.toContain("THREAD_ID");
      expect(report.served.map((fault) => fault.page)).toEqual([0, 1, 2, 3]);
      expect(report.served.every((fault) => fault.threadId === undefined)).toBe(true);
      expect(Buffer.from(report.data).equals(patternPages(4, pageSize))).toBe(true);
      expect(formatLazyMemoryReport(report)).toContain("THREAD_ID not enabled");
      expect(watch.mapped()).toBe(2);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("a fault that is never served fails at the deadline, and the worker is released", async () => {
      const watch = watchResources(ops);
      const { source } = randomPages(8, pageSize);
      // The deadline passes while page 3 is being filled, whatever the machine's load: the clock is the test's.
      const clock = manualClock();
      const stalled: PageSource = {
        description: "stalls on page 3",
        fill(index, page) {
          if (index !== 3) return source.fill(index, page);
          clock.advance(800);
          return new Promise<void>(() => {});
        },
      };
      const result = await runLazyMemory({
        pages: 8,
        source: stalled,
        timeoutMs: 800,
        clock,
        ops: watch.ops,
      });

      expect(result.isErr() && result.error).toMatchObject({
        kind: "timeout",
        waitedMs: 800,
        pending: { page: 3 },
        message: expect.stringContaining("a fault was not served within 800 ms: page 3"),
      });
      expect(watch.mapped()).toBe(2);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });

    test("a source that cannot read fails with page-source-failed, releasing everything", async () => {
      const watch = watchResources(ops);
      const result = await runLazyMemory({
        pages: 2,
        source: fileSource("/nonexistent/lazy-memory/pages.bin"),
        timeoutMs: UNHURRIED_MS,
        ops: watch.ops,
      });

      expect(result.isErr() && result.error).toMatchObject({ kind: "page-source-failed", page: 0 });
      expect(watch.mapped()).toBe(2);
      expect(watch.leftBehind()).toEqual({ fds: 0, mappings: [] });
    });
  },
);

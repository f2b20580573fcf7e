import { err, ok, type Result } from "neverthrow";
import { patternByte } from "./page-source.js";
import { PM_UFFD_WP, readPagemap } from "./pagemap.js";
import { writeFaultsPolicy, writeTrackingPolicy } from "./policies.js";
import {
  type NegotiatedSummary,
  policyLine,
  runScenario,
  type ScenarioContext,
  type ScenarioOptions,
  threadIdLine,
} from "./scenario.js";
import { type ScenarioError, uffdFailure } from "./scenario-error.js";
import { type PageFault, serveFaults, type WorkerRun } from "./serve-faults.js";
import { PAGEFAULT_FLAG, pageIn, pageRange, REGISTER_MODE, WRITEPROTECT_MODE } from "./uffd-ops.js";

/** Options of {@link runWriteTracking}. */
export interface WriteTrackingOptions extends ScenarioOptions {
  /** The pages the worker writes, in this order; default `[1, 4, 6]`. */
  readonly writes?: readonly number[];
  /**
   * `auto` (default): WP_ASYNC when the kernel has it (the kernel un-protects written pages itself and
   * `/proc/self/pagemap` tells which), else write-protect faults; `faults`: always serve write-protect faults.
   */
  readonly tracking?: "auto" | "faults";
}

/** One write-protect fault and how it was served. */
export interface WriteFault {
  readonly page: number;
  readonly address: bigint;
  /** The faulting thread's id; only when THREAD_ID is enabled. */
  readonly threadId?: number;
}

/** What {@link runWriteTracking} did. */
export interface WriteTrackingReport {
  readonly negotiated: NegotiatedSummary;
  readonly pageSize: number;
  readonly pages: number;
  /** `wp-async`: the kernel resolved the faults (WP_ASYNC); `wp-faults`: this thread served them. */
  readonly mode: "wp-async" | "wp-faults";
  /** The pages found written, ascending: from the faults, or from the pagemap's uffd-wp bit under WP_ASYNC. */
  readonly written: readonly number[];
  /** The faults served, in order; empty under WP_ASYNC. */
  readonly faults: readonly WriteFault[];
  readonly worker: WorkerRun;
  /** The region's content afterwards. */
  readonly content: Uint8Array;
}

/** Byte `offset` of page `index` before the worker writes: the pattern. */
export const initialByte = patternByte;

/** Byte `offset` of page `index` as the worker writes it: the pattern's complement. */
export function writtenByte(index: number, offset: number): number {
  return 0xff - patternByte(index, offset);
}

/**
 * Write tracking: negotiates {@link writeTrackingPolicy} (or {@link writeFaultsPolicy} for `tracking: faults`),
 * fills an anonymous region, registers it in write-protect mode and protects it, lets a worker thread write
 * some pages, and reports which pages were written. Errors: `negotiation` (no PAGEFAULT_FLAG_WP), `uffd`,
 * `invalid-options` (a page outside the region), `timeout`, `pagemap-unreadable`, `unexpected-message`,
 * `worker-failed`, `worker-stuck`.
 */
export async function runWriteTracking(
  options: WriteTrackingOptions = {},
): Promise<Result<WriteTrackingReport, ScenarioError>> {
  return options.tracking === "faults"
    ? runScenario(writeFaultsPolicy, options, (context) => trackWrites(context, options))
    : runScenario(writeTrackingPolicy, options, (context) => trackWrites(context, options));
}

async function trackWrites(
  context: ScenarioContext<"PAGEFAULT_FLAG_WP", "THREAD_ID">,
  options: WriteTrackingOptions,
): Promise<Result<WriteTrackingReport, ScenarioError>> {
  const { ops, session, region, pageSize, pages } = context;
  const fd = session.fd;
  const writes = options.writes ?? [1, 4, 6];
  const outside = writes.find((page) => !Number.isInteger(page) || page < 0 || page >= pages);
  if (outside !== undefined) {
    return err({ kind: "invalid-options", message: `page ${outside} is not in the ${pages}-page region` });
  }
  const async = session.enabledSet.has("WP_ASYNC");

  // Populated before protection: write-protect faults are for pages that exist.
  const memory = ops.memory(region.start, pages * pageSize);
  for (let index = 0; index < pages; index++) {
    for (let offset = 0; offset < pageSize; offset++)
      memory[index * pageSize + offset] = initialByte(index, offset);
  }
  const registered = ops.register(fd, region, REGISTER_MODE.WP);
  if (registered.isErr()) return err(uffdFailure(registered.error));
  const protectedAll = ops.writeProtect(fd, region, WRITEPROTECT_MODE.WP);
  if (protectedAll.isErr()) return err(uffdFailure(protectedAll.error));

  const buffer = new SharedArrayBuffer(pages * pageSize);
  const source = new Uint8Array(buffer);
  for (const index of writes) {
    for (let offset = 0; offset < pageSize; offset++)
      source[index * pageSize + offset] = writtenByte(index, offset);
  }

  const faults: WriteFault[] = [];
  const serve = (fault: PageFault): Result<void, ScenarioError> => {
    const page = pageIn(region.start, pages, pageSize, fault.address);
    if (async || (fault.flags & PAGEFAULT_FLAG.WP) === 0n || page === undefined) {
      return err({
        kind: "unexpected-message",
        message: `unexpected fault (flags ${fault.flags}) at 0x${fault.address.toString(16)}`,
      });
    }
    // Un-protecting the page lets the write through and wakes the writer.
    const unprotected = ops.writeProtect(fd, pageRange(region.start, pageSize, page), 0n);
    if (unprotected.isErr()) return err(uffdFailure(unprotected.error));
    faults.push({
      page,
      address: fault.address,
      ...(session.enabled.THREAD_ID ? { threadId: fault.ptid } : {}),
    });
    return ok(undefined);
  };

  const run = await serveFaults({
    ops,
    fd,
    task: { address: region.start, pageSize, pages: writes, action: "write", buffer },
    timeoutMs: options.timeoutMs ?? 5000,
    clock: context.clock,
    serve,
    // Un-protecting the whole region wakes every waiting writer.
    release: () => ops.writeProtect(fd, region, 0n),
  });
  if (run.isErr()) return err(run.error);

  const written = async
    ? writtenFromPagemap(region.start, pages, pageSize)
    : ok(faults.map((fault) => fault.page));
  return written.map((list) => ({
    negotiated: context.negotiated,
    pageSize,
    pages,
    mode: async ? "wp-async" : "wp-faults",
    written: [...new Set(list)].sort((a, b) => a - b),
    faults,
    worker: run.value,
    content: memory.slice(),
  }));
}

// Under WP_ASYNC a write clears the page's uffd-wp bit; pages still protected were not written.
function writtenFromPagemap(start: bigint, pages: number, pageSize: number): Result<number[], ScenarioError> {
  return readPagemap(start, pages, pageSize).map((entries) =>
    entries.flatMap((entry, index) => ((entry & PM_UFFD_WP) === 0n ? [index] : [])),
  );
}

/** The report as lines for a terminal. */
export function formatWriteTrackingReport(report: WriteTrackingReport): string {
  const { negotiated, worker } = report;
  const lines = [
    policyLine(negotiated),
    report.mode === "wp-async"
      ? "WP_ASYNC enabled: the kernel un-protected written pages itself; /proc/self/pagemap (uffd-wp bit 57) tells which"
      : "write-protect faults served by un-protecting each written page (UFFDIO_WRITEPROTECT mode 0)",
  ];
  if (report.mode === "wp-faults") {
    lines.push(threadIdLine(negotiated, worker.threadId));
    for (const fault of report.faults) {
      const by = fault.threadId === undefined ? "" : ` by thread ${fault.threadId}`;
      lines.push(`  write-protect fault on page ${fault.page} at 0x${fault.address.toString(16)}${by}`);
    }
  }
  lines.push(
    `written pages: [${report.written.join(", ")}] of ${report.pages} (worker done in ${worker.elapsedMs.toFixed(1)} ms)`,
  );
  return lines.join("\n");
}

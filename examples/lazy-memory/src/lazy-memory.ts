import { err, ok, type Result } from "neverthrow";
import { type PageSource, patternSource } from "./page-source.js";
import { lazyMemoryPolicy } from "./policies.js";
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
import { PAGEFAULT_FLAG, pageIn, pageRange, REGISTER_MODE } from "./uffd-ops.js";

/** Options of {@link runLazyMemory}. */
export interface LazyMemoryOptions extends ScenarioOptions {
  /** Where page content comes from; default {@link patternSource}. */
  readonly source?: PageSource;
}

/** One missing-page fault and how it was served. */
export interface ServedFault {
  /** Page index in the region. */
  readonly page: number;
  readonly address: bigint;
  /** Whether the fault was a write (`UFFD_PAGEFAULT_FLAG_WRITE`). */
  readonly write: boolean;
  /** The faulting thread's id; only when THREAD_ID is enabled. */
  readonly threadId?: number;
  /** Milliseconds from the start of the worker to the fault being served. */
  readonly servedAtMs: number;
}

/** What {@link runLazyMemory} did. */
export interface LazyMemoryReport {
  readonly negotiated: NegotiatedSummary;
  readonly source: string;
  readonly pageSize: number;
  readonly pages: number;
  /** Every fault, in the order served; a page served twice would appear twice. */
  readonly served: readonly ServedFault[];
  readonly worker: WorkerRun;
  /** What the worker read from the region, every page in order. */
  readonly data: Uint8Array;
}

/**
 * Lazy memory: negotiates {@link lazyMemoryPolicy}, registers an anonymous region for missing faults, lets a
 * worker thread read every page, and serves each fault from this thread with `UFFDIO_COPY` of the page the
 * source produces. Errors: `negotiation`, `uffd`, `timeout`, `page-source-failed`, `unexpected-message`,
 * `worker-failed`, `worker-stuck`. The region, the fd and the source are released on every path.
 */
export async function runLazyMemory(
  options: LazyMemoryOptions = {},
): Promise<Result<LazyMemoryReport, ScenarioError>> {
  const source = options.source ?? patternSource();
  const result = await runScenario(lazyMemoryPolicy, options, (context) =>
    serveMissingPages(context, source, options),
  );
  await source.close?.();
  return result;
}

async function serveMissingPages(
  context: ScenarioContext<never, "THREAD_ID">,
  source: PageSource,
  options: ScenarioOptions,
): Promise<Result<LazyMemoryReport, ScenarioError>> {
  const { ops, session, region, pageSize, pages } = context;
  const fd = session.fd;
  const registered = ops.register(fd, region, REGISTER_MODE.MISSING);
  if (registered.isErr()) return err(uffdFailure(registered.error));

  // UFFDIO_COPY reads from this page; the source fills a plain buffer so that a late fill never touches it.
  const staging = ops.mapAnonymous(pageSize);
  if (staging.isErr()) return err(uffdFailure(staging.error));
  context.defer(() => ops.unmap(staging.value, pageSize).mapErr(uffdFailure));
  const stagingView = ops.memory(staging.value, pageSize);

  const buffer = new SharedArrayBuffer(pages * pageSize);
  const served: ServedFault[] = [];
  const started = context.clock.now();
  const serve = async (fault: PageFault, signal: AbortSignal): Promise<Result<void, ScenarioError>> => {
    const page = pageIn(region.start, pages, pageSize, fault.address);
    if (page === undefined) {
      return err({
        kind: "unexpected-message",
        message: `fault outside the region at 0x${fault.address.toString(16)}`,
      });
    }
    const content = new Uint8Array(pageSize);
    try {
      await source.fill(page, content);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return err({
        kind: "page-source-failed",
        page,
        message: `${source.description}: page ${page}: ${reason}`,
      });
    }
    if (signal.aborted) return ok(undefined);
    stagingView.set(content);
    const range = pageRange(region.start, pageSize, page);
    const copied = ops.copy(fd, range.start, staging.value, range.length);
    // EEXIST: another fault on the same page was served first; the faulting thread only needs a wake-up.
    const resolved =
      copied.isErr() && copied.error.kind === "syscall-failed" && copied.error.errno === "EEXIST"
        ? ops.wake(fd, range)
        : copied.map(() => undefined);
    if (resolved.isErr()) return err(uffdFailure(resolved.error));
    served.push({
      page,
      address: fault.address,
      write: (fault.flags & PAGEFAULT_FLAG.WRITE) !== 0n,
      ...(session.enabled.THREAD_ID ? { threadId: fault.ptid } : {}),
      servedAtMs: context.clock.now() - started,
    });
    return ok(undefined);
  };

  const run = await serveFaults({
    ops,
    fd,
    task: {
      address: region.start,
      pageSize,
      pages: Array.from({ length: pages }, (_, index) => index),
      action: "read",
      buffer,
    },
    timeoutMs: options.timeoutMs ?? 5000,
    clock: context.clock,
    serve,
    // Unregistering wakes every thread waiting on a missing fault; the retried access then gets a zero page.
    release: () => ops.unregister(fd, region),
  });
  return run.map((worker) => ({
    negotiated: context.negotiated,
    source: source.description,
    pageSize,
    pages,
    served,
    worker,
    data: new Uint8Array(buffer),
  }));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(" ");

// Most of a worker's time is its start-up (loading TypeScript in a new thread), before the first fault.
function firstServed(report: LazyMemoryReport): string {
  const first = report.served[0];
  const last = report.served.at(-1);
  if (!first || !last) return "";
  return `, faults from +${first.servedAtMs.toFixed(1)} to +${last.servedAtMs.toFixed(1)} ms`;
}

/** The report as lines for a terminal. */
export function formatLazyMemoryReport(report: LazyMemoryReport): string {
  const { negotiated, worker } = report;
  const lines = [
    policyLine(negotiated),
    threadIdLine(negotiated, worker.threadId),
    `served ${report.served.length} missing-page faults of ${report.pages} x ${report.pageSize} bytes from ${report.source}; the worker took ${worker.elapsedMs.toFixed(1)} ms${firstServed(report)}:`,
  ];
  for (const fault of report.served) {
    const offset = fault.page * report.pageSize;
    const by = fault.threadId === undefined ? "" : ` by thread ${fault.threadId}`;
    const first = hex(report.data.subarray(offset, offset + 8));
    lines.push(
      `  page ${fault.page} at 0x${fault.address.toString(16)} (${fault.write ? "write" : "read"}${by}) +${fault.servedAtMs.toFixed(1)} ms: ${first} …`,
    );
  }
  return lines.join("\n");
}

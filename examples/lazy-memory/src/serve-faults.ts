import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { err, ok, type Result } from "neverthrow";
import type { Clock } from "./clock.js";
import type { PageWorkerData, PageWorkerMessage, PageWorkerTask } from "./page-worker.js";
import { type ScenarioError, uffdFailure } from "./scenario-error.js";
import { pageOf, type UffdMessage, type UffdOps, type UffdOpsError } from "./uffd-ops.js";

/** A page fault read from the uffd. */
export type PageFault = Extract<UffdMessage, { kind: "pagefault" }>;

/** How to run a worker against a registered region and serve its faults. */
export interface ServeFaultsOptions {
  readonly ops: UffdOps;
  /** The negotiated uffd (non-blocking). */
  readonly fd: number;
  readonly task: PageWorkerTask;
  /** How long the worker may take, faults included, in milliseconds of `clock`. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  /**
   * Serves one fault. `signal` aborts when the deadline passes: a handler that awaited something must check it
   * before touching the uffd, because the region may be gone by then.
   */
  serve(
    fault: PageFault,
    signal: AbortSignal,
  ): Promise<Result<void, ScenarioError>> | Result<void, ScenarioError>;
  /** Wakes every thread still waiting on a fault of the region; called when serving fails or times out. */
  release(): Result<void, UffdOpsError>;
}

/** How the worker went. */
export interface WorkerRun {
  /** The worker's kernel thread id (`gettid()`). */
  readonly threadId: number;
  readonly elapsedMs: number;
}

// How long one poll() may block the main thread before it yields to the event loop.
const POLL_SLICE_MS = 5;
// How long a released or terminated worker gets to exit.
const EXIT_GRACE_MS = 2000;

// The worker module is TypeScript: a two-line bootstrap registers tsx in the new thread (its hooks are not
// inherited on Node 20), then imports it; workspace packages resolve to their sources, like in this process.
function startWorker(data: PageWorkerData): Worker {
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./page-worker.ts", import.meta.url).href);
  const bootstrap = `import(${tsx}).then((api) => { api.register(); return import(${entry}); });`;
  return new Worker(bootstrap, {
    eval: true,
    workerData: data,
    execArgv: ["--conditions=@negotiate/source"],
  });
}

const timeoutAfter = (clock: Clock, ms: number) => clock.after(ms).then(() => "timeout" as const);

/**
 * Starts a worker thread that touches the region, and serves the faults it raises from this thread until it is
 * done: `poll()` with a short timeout, `read()` of the pending messages, `serve()` for each, then a yield to
 * the event loop, so this thread is never blocked for long. On failure or timeout it calls `release()` so the
 * worker cannot stay asleep in the kernel, and in every case it returns only once the worker has exited.
 */
export async function serveFaults(options: ServeFaultsOptions): Promise<Result<WorkerRun, ScenarioError>> {
  const { clock } = options;
  const started = clock.now();
  const deadline = started + options.timeoutMs;
  const abort = new AbortController();
  const state: { threadId?: number; done: boolean; failure?: ScenarioError } = { done: false };
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWorker({ task: options.task, cancel });
  let markRunning: (value: "running") => void = () => {};
  const running = new Promise<"running">((resolve) => {
    markRunning = resolve;
  });
  const exited = new Promise<"exited">((resolve) =>
    worker.once("exit", () => {
      if (!state.done)
        state.failure ??= { kind: "worker-failed", message: "the worker exited before it was done" };
      resolve("exited");
    }),
  );
  worker.on("message", (message: PageWorkerMessage) => {
    switch (message.kind) {
      case "started":
        state.threadId = message.threadId;
        markRunning("running");
        return;
      case "done":
        state.done = true;
        return;
    }
  });
  worker.on("error", (error) => {
    state.failure ??= { kind: "worker-failed", message: `the worker threw: ${error.message}` };
  });

  let failure = await serveUntilDone(options, state, deadline, abort.signal);
  if (failure) {
    abort.abort();
    Atomics.store(cancel, 0, 1);
    const released = options.release();
    // The first failure stays the cause; a failed release is why the worker may not exit.
    if (released.isErr()) failure = { ...failure, message: `${failure.message}; ${released.error.message}` };
  }
  const stuck = await waitForExit(worker, exited, running, clock);
  if (stuck) return err(stuck);
  if (failure) return err(failure);
  return ok({ threadId: state.threadId ?? 0, elapsedMs: clock.now() - started });
}

async function serveUntilDone(
  options: ServeFaultsOptions,
  state: { done: boolean; failure?: ScenarioError },
  deadline: number,
  signal: AbortSignal,
): Promise<ScenarioError | undefined> {
  const { ops, fd, clock } = options;
  while (!state.done && !state.failure) {
    const left = deadline - clock.now();
    if (left <= 0) return timeout(options.timeoutMs, "the worker did not finish");
    const ready = ops.waitReadable(fd, Math.min(POLL_SLICE_MS, Math.ceil(left)));
    if (ready.isErr()) return uffdFailure(ready.error);
    const messages = ready.value ? ops.readMessages(fd) : ok([]);
    if (messages.isErr()) return uffdFailure(messages.error);
    for (const message of messages.value) {
      if (message.kind !== "pagefault") {
        return {
          kind: "unexpected-message",
          message: `unexpected uffd event 0x${message.event.toString(16)}`,
        };
      }
      const served = await Promise.race([
        Promise.resolve(options.serve(message, signal)),
        timeoutAfter(clock, deadline - clock.now()),
      ]);
      if (served === "timeout")
        return timeout(options.timeoutMs, "a fault was not served", message, options.task);
      if (served.isErr()) return served.error;
    }
    await yieldToEventLoop();
  }
  return state.failure;
}

function timeout(timeoutMs: number, what: string, fault?: PageFault, task?: PageWorkerTask): ScenarioError {
  if (!fault || !task) {
    return { kind: "timeout", waitedMs: timeoutMs, message: `${what} within ${timeoutMs} ms` };
  }
  const page = pageOf(task.address, task.pageSize, fault.address);
  return {
    kind: "timeout",
    waitedMs: timeoutMs,
    pending: { page, address: fault.address },
    message: `${what} within ${timeoutMs} ms: page ${page} at 0x${fault.address.toString(16)}`,
  };
}

// A worker still loading its modules is never terminated: Node leaves open the fds of the file reads in flight
// in a terminated thread (one of tsx's files stayed open after a slow start). Loading is finite work however
// busy the machine is, so it is awaited without a clock; once running, the worker sees `cancel` and exits.
async function waitForExit(
  worker: Worker,
  exited: Promise<"exited">,
  running: Promise<"running">,
  clock: Clock,
): Promise<ScenarioError | undefined> {
  if ((await Promise.race([exited, running])) === "exited") return undefined;
  if ((await Promise.race([exited, timeoutAfter(clock, EXIT_GRACE_MS)])) === "exited") return undefined;
  const terminated = worker.terminate().then(() => "exited" as const);
  if ((await Promise.race([terminated, timeoutAfter(clock, EXIT_GRACE_MS)])) === "exited") return undefined;
  return {
    kind: "worker-stuck",
    message: `the worker did not exit within ${2 * EXIT_GRACE_MS} ms of being released; its region stays mapped`,
  };
}

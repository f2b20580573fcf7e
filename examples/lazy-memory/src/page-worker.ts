import { readlinkSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import koffi from "koffi";

/** What the worker thread does to the region. */
export interface PageWorkerTask {
  /** Start of the region. */
  readonly address: bigint;
  readonly pageSize: number;
  /** The pages to touch, in this order. */
  readonly pages: readonly number[];
  /** `read`: copy each page into `buffer`; `write`: copy each page of `buffer` into the region. */
  readonly action: "read" | "write";
  /** One page per region page, at `index * pageSize`. */
  readonly buffer: SharedArrayBuffer;
}

/** What the worker thread gets: its task, and a flag the main thread raises when it gives up. */
export interface PageWorkerData {
  readonly task: PageWorkerTask;
  /** Element 0 becomes 1 when the main thread gives up: the worker touches no further page and exits. */
  readonly cancel: Int32Array;
}

/** What the worker reports, in this order: `started` before it touches memory, then `done`. */
export type PageWorkerMessage =
  | {
      readonly kind: "started";
      /** This thread's kernel id, as `uffd_msg.arg.pagefault.feat.ptid` names a faulting thread. */
      readonly threadId: number;
    }
  | { readonly kind: "done" };

// `/proc/thread-self` links to `<pid>/task/<tid>`. Reading it avoids a koffi call: koffi keeps a per-thread
// native stack for calls that it does not release when a worker exits.
function currentThreadId(): number {
  return Number(readlinkSync("/proc/thread-self").split("/").at(-1));
}

// Each access to a page that is missing or write-protected sleeps in the kernel until the main thread serves it.
function run({ task, cancel }: PageWorkerData, post: (message: PageWorkerMessage) => void): void {
  post({ kind: "started", threadId: currentThreadId() });
  const shared = new Uint8Array(task.buffer);
  for (const index of task.pages) {
    if (Atomics.load(cancel, 0) !== 0) return;
    const offset = index * task.pageSize;
    const page = new Uint8Array(koffi.view(task.address + BigInt(offset), task.pageSize));
    const slot = shared.subarray(offset, offset + task.pageSize);
    if (task.action === "read") slot.set(page);
    else page.set(slot);
  }
  post({ kind: "done" });
}

if (parentPort) {
  const port = parentPort;
  run(workerData as PageWorkerData, (message) => port.postMessage(message));
}

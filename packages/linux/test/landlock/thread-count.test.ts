import { Worker } from "node:worker_threads";
import { expect, it } from "vitest";
import { landlockBackend } from "../../src/index.js";

// Without TSYNC, restrict_self confines the calling thread only: an honest enforce() must see the siblings.
it("counts this process's threads, Node's own and a worker's", async () => {
  const port = landlockBackend()._unsafeUnwrap();
  const before = port.threadCount()._unsafeUnwrap();
  // Node runs V8 platform threads beside the main one from the start.
  expect(before).toBeGreaterThan(1);
  const worker = new Worker("setInterval(() => {}, 1000)", { eval: true });
  await new Promise((resolve) => worker.once("online", resolve));
  try {
    expect(port.threadCount()._unsafeUnwrap()).toBeGreaterThan(before);
  } finally {
    await worker.terminate();
  }
});

import { formatLazyMemoryReport, runLazyMemory } from "./lazy-memory.js";
import { fileSource, patternSource } from "./page-source.js";
import { formatWriteTrackingReport, runWriteTracking } from "./write-tracking.js";

// Usage: main.ts [file]   (pages are served from the file when given, else from a generated pattern)
const file = process.argv[2];

console.log("== lazy memory: missing-page faults served with UFFDIO_COPY");
const lazy = await runLazyMemory({ source: file ? fileSource(file) : patternSource() });
console.log(
  lazy.isOk() ? formatLazyMemoryReport(lazy.value) : `failed (${lazy.error.kind}): ${lazy.error.message}`,
);

for (const tracking of ["auto", "faults"] as const) {
  console.log(`\n== write tracking (${tracking}): which pages did the worker write?`);
  const writes = await runWriteTracking({ tracking });
  console.log(
    writes.isOk()
      ? formatWriteTrackingReport(writes.value)
      : `failed (${writes.error.kind}): ${writes.error.message}`,
  );
  if (writes.isErr()) process.exitCode = 1;
}
if (lazy.isErr()) process.exitCode = 1;

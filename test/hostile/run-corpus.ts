// Run in a child process with a 200 MB heap by hostile-corpus.test.ts: every case of the hostile corpus, each
// timed with the monotonic clock. Prints one JSON array: name, outcome, milliseconds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPolicy } from "@negotiate/core";
import { CASES, corpusFiles, outcomeOf } from "./cases.js";

const files = join(import.meta.dirname, "files");
const timed = (run: () => unknown) => {
  const start = process.hrtime.bigint();
  const outcome = run();
  return { outcome, ms: Number(process.hrtime.bigint() - start) / 1e6 };
};
const results = [
  ...corpusFiles(files).map((file) => ({
    name: file,
    ...timed(() => outcomeOf(loadPolicy(join(files, file)), files)),
  })),
  ...CASES.map((entry) => {
    const directory = mkdtempSync(join(tmpdir(), "negotiate-hostile-"));
    try {
      entry.prepare?.(directory);
      return { name: entry.name, ...timed(() => entry.run(directory)) };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }),
];
process.stdout.write(JSON.stringify(results));

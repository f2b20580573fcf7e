import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CASES, corpusFiles } from "./hostile/cases.js";

// The hostile corpus (test/hostile/): every committed file, loaded with loadPolicy, and every case of
// cases.ts, run in one child process whose heap is limited to 200 MB (a case that needs more kills it), each
// timed there with the monotonic clock. Each outcome must be exactly its expectation: `<file>.expected.json`
// beside each file, `cases.expected.json` by case name. HOSTILE_RECORD=1 writes them (then review the diff).
const hostile = join(import.meta.dirname, "hostile");
const files = join(hostile, "files");
const caseExpectations = join(hostile, "cases.expected.json");
const expectationOf = (file: string) => join(files, file.replace(/\.(ya?ml|json)$/, ".expected.json"));
const MAX_MS = 1000;
const HEAP_MB = 200;
// Marked content of the non-policy files the corpus extends: no outcome may show it.
const SECRETS = /SECRET|do-not-show/;

interface Result {
  readonly name: string;
  readonly outcome: unknown;
  readonly ms: number;
}

function runCorpus(): Result[] {
  const child = spawnSync(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_MB}`,
      "--conditions=@negotiate/source",
      "--import",
      "tsx",
      join(hostile, "run-corpus.ts"),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  );
  expect(child.stderr).toBe("");
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout) as Result[];
}

describe("the hostile corpus", () => {
  const results = runCorpus();
  const byName = new Map(results.map((result) => [result.name, result]));
  const fileNames = corpusFiles(files);
  if (process.env.HOSTILE_RECORD) {
    for (const file of fileNames)
      writeFileSync(expectationOf(file), `${JSON.stringify(byName.get(file)!.outcome, null, 2)}\n`);
    const named = Object.fromEntries(CASES.map((entry) => [entry.name, byName.get(entry.name)!.outcome]));
    writeFileSync(caseExpectations, `${JSON.stringify(named, null, 2)}\n`);
  }
  const expectedCases = JSON.parse(readFileSync(caseExpectations, "utf8")) as Record<string, unknown>;

  it("has at least 60 committed hostile files, each with its expectation, and every case expected", () => {
    expect(fileNames.length).toBeGreaterThanOrEqual(60);
    for (const file of fileNames) expect(existsSync(expectationOf(file)), file).toBe(true);
    expect(Object.keys(expectedCases).sort()).toEqual(CASES.map((entry) => entry.name).sort());
  });

  it.each(fileNames)("%s fails exactly as expected, within 1 s, quoting no secret", (file) => {
    const result = byName.get(file)!;
    expect(result.outcome).toEqual(JSON.parse(readFileSync(expectationOf(file), "utf8")));
    expect(result.outcome).toHaveProperty("error.kind", "invalid-policy");
    expect(JSON.stringify(result.outcome)).not.toMatch(SECRETS);
    expect(result.ms).toBeLessThanOrEqual(MAX_MS);
  });

  it.each(CASES.map((entry) => entry.name))("%s gives exactly what is expected, within 1 s", (name) => {
    const result = byName.get(name)!;
    expect(result.outcome).toEqual(expectedCases[name]);
    expect(JSON.stringify(result.outcome)).not.toMatch(SECRETS);
    expect(result.ms).toBeLessThanOrEqual(MAX_MS);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { decodeHostProfile, definePolicy, loadPolicy, type PolicyInput, parsePolicy } from "../src/index.js";

// Arbitrary bytes and arbitrary YAML/JSON trees into every reader of untrusted input: each returns (never
// throws), and within 1 s by the monotonic clock. The runs are few so that the suite stays fast under load;
// the inputs are bounded in size (the readers bound their own work beyond that: see the hostile corpus).
const MAX_MS = 1000;
const RUNS = 60;
const directory = mkdtempSync(join(tmpdir(), "negotiate-fuzz-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let slowest = 0;
function returnsInTime<T>(run: () => T): T {
  const start = process.hrtime.bigint();
  const result = run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  slowest = Math.max(slowest, ms);
  expect(ms).toBeLessThanOrEqual(MAX_MS);
  return result;
}

const FIELDS = [
  "version",
  "name",
  "extends",
  "features",
  "strategy",
  "required",
  "oneOf",
  "minKernel",
  "__proto__",
  "constructor",
];
const key = fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 }));
// Trees near the policy format: its keys, feature names, presets, junk scalars, nested up to 4 levels.
const scalar = fc.oneof(
  fc.constantFrom(
    1,
    "1",
    "MOVE",
    "UFFD_FEATURE_THREAD_ID",
    "preset:minimal",
    "./x.yaml",
    "/dev/zero",
    "5.15",
    null,
    true,
  ),
  fc.string({ maxLength: 20 }),
  fc.double(),
  fc.integer(),
);
const { tree } = fc.letrec<{ tree: unknown }>((self) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(self("tree"), { maxLength: 5 }),
    fc.dictionary(key, self("tree"), { maxKeys: 6 }),
  ),
}));
const documentTree = fc.dictionary(key, tree, { maxKeys: 8 }).map((value) => ({ version: 1, ...value }));

describe("untrusted input, fuzzed", () => {
  it("loadPolicy on a file of arbitrary bytes returns an error or a policy, never throws", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom("yaml", "json"), (bytes, extension) => {
        const file = join(directory, `policy.${extension}`);
        writeFileSync(file, bytes);
        const result = returnsInTime(() => loadPolicy(file));
        expect(result.isOk() || result.error.kind === "invalid-policy").toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("parsePolicy on arbitrary text, YAML or JSON, never throws", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2048, unit: "binary" }),
        fc.constantFrom("yaml" as const, "json" as const),
        (text, format) => {
          const result = returnsInTime(() => parsePolicy(text, { format }));
          expect(result.isOk() || result.error.issues.length > 0).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("parsePolicy on arbitrary trees written as YAML and as JSON never throws, and both agree", () => {
    fc.assert(
      fc.property(documentTree, (document) => {
        const yaml = returnsInTime(() => parsePolicy(stringify(document), { format: "yaml" }));
        const json = returnsInTime(() => parsePolicy(JSON.stringify(document), { format: "json" }));
        expect(yaml.isOk()).toBe(json.isOk());
        if (yaml.isErr() && json.isErr())
          expect(yaml.error.issues.map((issue) => issue.path)).toEqual(
            json.error.issues.map((issue) => issue.path),
          );
      }),
      { numRuns: RUNS },
    );
  });

  it("definePolicy on arbitrary values never throws", () => {
    fc.assert(
      fc.property(fc.oneof(documentTree, fc.anything()), (value) => {
        const result = returnsInTime(() => definePolicy(value as PolicyInput));
        expect(result.isOk() || result.error.kind === "invalid-policy").toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("decodeHostProfile on arbitrary bytes, text and values never throws", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 1024, unit: "binary" }),
      fc.uint8Array({ maxLength: 1024 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(fc.oneof(text, fc.anything(), tree), (input) => {
        const result = returnsInTime(() => decodeHostProfile(input));
        expect(result.isErr()).toBe(true);
        expect(["invalid-json", "unsupported-version", "invalid-field"]).toContain(
          result._unsafeUnwrapErr().kind,
        );
      }),
      { numRuns: RUNS },
    );
    expect(slowest).toBeLessThanOrEqual(MAX_MS);
  });
});

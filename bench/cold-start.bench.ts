/**
 * Cold start of a short-lived program (a CLI, a hook, a test worker): a fresh process that imports
 * `@negotiate/core` and `@negotiate/linux` (the built packages), defines its policy in code and negotiates once
 * with the real kernel (bench/cold-start/negotiate-once.*), against `node -e 0`, alternated round by round.
 * Goals, on the median of the paired ratios: ES module ≤ 1.3×, CommonJS ≤ 1.2×.
 * Run after `npx tsup`: node --import tsx bench/cold-start.bench.ts [rounds]
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ProcessVariant, processTable, timeProcesses } from "./support/paired.js";

const ROUNDS = Number(process.argv[2] ?? 30);
const here = (file: string) => fileURLToPath(new URL(`cold-start/${file}`, import.meta.url));

for (const name of ["core", "linux"]) {
  const dist = fileURLToPath(new URL(`../packages/${name}/dist/index.js`, import.meta.url));
  if (!existsSync(dist)) {
    console.error(`${dist} does not exist: build first (npx tsup)`);
    process.exit(1);
  }
}

const variants: readonly (ProcessVariant & { readonly goal?: number })[] = [
  { label: "node -e 0 (baseline: Node's own start-up)", args: ["-e", "0"] },
  { label: "ESM: import core + linux, negotiate once", args: [here("negotiate-once.mjs")], goal: 1.3 },
  { label: "CJS: require core + linux, negotiate once", args: [here("negotiate-once.cjs")], goal: 1.2 },
  { label: "CJS: koffi alone, libc bound (part of both)", args: [here("koffi-only.cjs")] },
];

// Which packages the CommonJS program loads, and how many files of each: where the start-up goes.
const loaded = execFileSync(
  process.execPath,
  [
    "-e",
    `require(${JSON.stringify(here("negotiate-once.cjs"))});
const counts = {};
for (const file of Object.keys(require.cache)) {
  const name = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/.exec(file)?.[1] ?? "(workspace)";
  counts[name] = (counts[name] ?? 0) + 1;
}
console.log(Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([name, n]) => name + " " + n).join(", "));`,
  ],
  { encoding: "utf8" },
).trim();

const samples = timeProcesses(variants, ROUNDS);
console.log(`cold start, ${ROUNDS} alternated rounds; node ${process.version}`);
console.log(`CommonJS modules loaded by the program, per package: ${loaded}`);
console.table(processTable(variants, samples));

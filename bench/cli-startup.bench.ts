/**
 * How fast the bundled `negotiate` starts: wall time of whole processes against `node -e 0` (a Node start-up
 * that runs nothing), measured in the same run, alternated round by round. Goals, on the median of the paired
 * ratios: `negotiate probe` (this kernel, koffi loaded) ≤ 1.25×, `probe --backend mock` ≤ 1.15×.
 * Run after `npx tsup`: node --import tsx bench/cli-startup.bench.ts [rounds] [path/to/bin.cjs]
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type ProcessVariant, processTable, timeProcesses } from "./support/paired.js";

const ROUNDS = Number(process.argv[2] ?? 30);
const CLI = resolve(process.argv[3] ?? "packages/cli/dist/bin.cjs");

if (!existsSync(CLI)) {
  console.error(`${CLI} does not exist: build it first (npx tsup)`);
  process.exit(1);
}

// The same build without its V8 code cache, inside it so that it finds koffi alike: what the cache saves.
const uncached = mkdtempSync(join(dirname(CLI), "uncached-"));
for (const file of readdirSync(dirname(CLI)).filter((name) => name.endsWith(".cjs")))
  cpSync(join(dirname(CLI), file), join(uncached, file));
process.on("exit", () => rmSync(uncached, { recursive: true, force: true }));

const variants: readonly (ProcessVariant & { readonly goal?: number })[] = [
  { label: "node -e 0 (baseline: Node's own start-up)", args: ["-e", "0"] },
  { label: "negotiate --help", args: [CLI, "--help"] },
  {
    label: "negotiate probe --backend mock --kernel 6.18",
    args: [CLI, "probe", "--backend", "mock", "--kernel", "6.18"],
    goal: 1.15,
  },
  { label: "negotiate probe (this kernel, through koffi)", args: [CLI, "probe"], goal: 1.25 },
  { label: "negotiate probe (this kernel), no code cache", args: [join(uncached, "bin.cjs"), "probe"] },
];

const samples = timeProcesses(variants, ROUNDS);
console.log(`negotiate start-up, ${ROUNDS} alternated rounds, ${CLI}; node ${process.version}`);
console.table(processTable(variants, samples));

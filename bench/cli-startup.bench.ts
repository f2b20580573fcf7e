/**
 * How fast the bundled `negotiate` starts: wall time of whole processes, against `node -e 0` measured in the
 * same run. Goal: `negotiate probe` within 1.3× `node -e 0`. The commands are interleaved, so drift in the
 * machine's load affects all of them alike.
 * Run after `npx tsup`: node --import tsx bench/cli-startup.bench.ts [runs] [path/to/bin.cjs]
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const RUNS = Number(process.argv[2] ?? 30);
const CLI = resolve(process.argv[3] ?? "packages/cli/dist/bin.cjs");
const GOAL = 1.3;

if (!existsSync(CLI)) {
  console.error(`${CLI} does not exist: build it first (npx tsup)`);
  process.exit(1);
}

// The same build without its V8 code cache, inside it so that it finds koffi alike: what the cache saves.
const uncached = mkdtempSync(join(dirname(CLI), "uncached-"));
for (const file of ["bin.cjs", "cli.cjs"]) cpSync(join(dirname(CLI), file), join(uncached, file));
process.on("exit", () => rmSync(uncached, { recursive: true, force: true }));

interface Variant {
  readonly label: string;
  readonly args: readonly string[];
  readonly goal?: number;
}

const variants: readonly Variant[] = [
  { label: "node -e 0 (baseline)", args: ["-e", "0"] },
  { label: "negotiate --help", args: [CLI, "--help"] },
  {
    label: "negotiate probe --backend mock --kernel 6.18",
    args: [CLI, "probe", "--backend", "mock", "--kernel", "6.18"],
    goal: GOAL,
  },
  { label: "negotiate probe (this kernel)", args: [CLI, "probe"], goal: GOAL },
  { label: "negotiate probe (this kernel), no code cache", args: [join(uncached, "bin.cjs"), "probe"] },
];

function once(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(" ")} exited ${child.status}: ${child.stderr}`);
  return elapsed;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const samples = variants.map(() => [] as number[]);
for (const variant of variants) once(variant.args); // warm the file cache
for (let run = 0; run < RUNS; run++) {
  for (const [index, variant] of variants.entries()) samples[index]!.push(once(variant.args));
}

// The minimum is the run least disturbed by other work on the machine: the goal is judged on it; the
// median shows how much the load moved things.
const baseline = { min: Math.min(...samples[0]!), median: median(samples[0]!) };
const rows = variants.map((variant, index) => {
  const values = samples[index]!;
  const min = Math.min(...values);
  const ratio = min / baseline.min;
  return {
    command: variant.label,
    "min ms": min.toFixed(1),
    "median ms": median(values).toFixed(1),
    "ratio (min)": `${ratio.toFixed(2)}×`,
    "ratio (median)": `${(median(values) / baseline.median).toFixed(2)}×`,
    goal:
      variant.goal === undefined ? "" : `${ratio <= variant.goal ? "met" : "MISSED"} (≤ ${variant.goal}×)`,
  };
});
console.log(`negotiate start-up, ${RUNS} runs each, ${CLI}`);
console.table(rows);

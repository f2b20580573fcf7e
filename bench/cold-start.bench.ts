/**
 * Cold start of a short-lived program (a CLI, a hook, a test worker): a fresh `node -e` process that imports
 * `@negotiate/core` and `@negotiate/linux` (the built packages), defines its policy in code and negotiates once
 * with the real kernel, against `node -e 0`, alternated round by round.
 * Goals, on the median of the paired ratios: ES module ≤ 1.3×, CommonJS ≤ 1.2×. The "floor" rows run what no
 * version of the SDK can avoid, without its code: both packages resolved through their exports maps (as the
 * imports resolve them), neverthrow and koffi's native module loaded, libc opened, one libc call; in ES module,
 * one empty ES module file imported per package too (an ES module entry is a file Node's ES module loader
 * reads, which loads its file-reading modules: `fs/promises`, `readline`); between a floor and its row is what
 * the SDK's own code costs. Two informative rows run the same programs from files (`.mjs`, `.cjs`).
 * Run after `npx tsup`: node --import tsx bench/cold-start.bench.ts [rounds]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  median,
  middleHalf,
  type ProcessVariant,
  pairedDifferences,
  pairedRatios,
  processTable,
  range,
  timeProcesses,
} from "./support/paired.js";

const ROUNDS = Number(process.argv[2] ?? 30);
// Where `@negotiate/*` resolve from (the workspace root's node_modules).
const root = fileURLToPath(new URL("..", import.meta.url));

for (const name of ["core", "linux"]) {
  const dist = `${root}packages/${name}/dist/index.js`;
  if (!existsSync(dist)) {
    console.error(`${dist} does not exist: build first (npx tsup)`);
    process.exit(1);
  }
}

// The program as an app writes it, after its imports: the policy in code, the real kernel, one negotiation.
const NEGOTIATE_ONCE = `
const outcome = definePolicy({ features: { required: ["MOVE"], optional: ["WP_ASYNC", "THREAD_ID"] } }).andThen(
  (policy) => linuxBackend().andThen((backend) => negotiate(policy, { backend })),
);
if (outcome.isErr()) {
  console.error(outcome.error.kind, outcome.error.message);
  process.exit(1);
}
outcome.value.close();`;
const ESM = `import { definePolicy, negotiate } from "@negotiate/core";
import { linuxBackend } from "@negotiate/linux";${NEGOTIATE_ONCE}`;
const CJS = `const { definePolicy, negotiate } = require("@negotiate/core");
const { linuxBackend } = require("@negotiate/linux");${NEGOTIATE_ONCE}`;

// koffi as the Linux backend loads it on glibc x86_64 (its native module, not its entry), else its entry.
const koffiEntry = realpathSync(createRequire(`${root}packages/linux/package.json`).resolve("koffi"));
const nativeKoffi = join(dirname(koffiEntry), "..", "@koromix", "koffi-linux-x64", "linux_x64", "koffi.node");
const koffi = JSON.stringify(existsSync(nativeKoffi) ? nativeKoffi : koffiEntry);
const LOAD_DEPENDENCIES = `require("neverthrow"); require(${koffi}).load("libc.so.6").func("int getpid()")();`;
// Two empty ES modules, the floor's stand-ins for the packages' ES module entries.
const emptyModules = mkdtempSync(join(tmpdir(), "negotiate-cold-start-"));
process.once("exit", () => rmSync(emptyModules, { recursive: true, force: true }));
const importEmpty = ["core", "linux"]
  .map((name) => {
    const file = join(emptyModules, `${name}.mjs`);
    writeFileSync(file, "export {};\n");
    return `import ${JSON.stringify(file)};`;
  })
  .join(" ");
const resolveBoth = (resolve: string) =>
  `${resolve}("@negotiate/core/package.json"); ${resolve}("@negotiate/linux/package.json");`;

// The same programs as files, as a program usually starts: Node's `-e` keeps more on its young heap, so these rows
// show what a scavenge the `-e` ones reach costs. Informative; the goals are judged on the rows the issue named.
mkdirSync(join(root, ".bench-tmp"), { recursive: true });
const programs = mkdtempSync(join(root, ".bench-tmp", "cold-start-"));
process.once("exit", () => rmSync(programs, { recursive: true, force: true }));
const programFile = (name: string, text: string) => {
  const file = join(programs, name);
  writeFileSync(file, text);
  return file;
};

const ESM_FLOOR = "ESM floor: resolve both, import 2 empty ES modules, neverthrow, koffi, one libc call";
const CJS_FLOOR = "CJS floor: resolve both, neverthrow, koffi, one libc call";
// A goal row names its floor (`floor`), the row that runs all of it but the SDK's code.
const variants: readonly (ProcessVariant & { readonly goal?: number; readonly floor?: string })[] = [
  { label: "node -e 0 (baseline: Node's own start-up)", args: ["-e", "0"] },
  {
    label: "ESM: import core + linux, negotiate once",
    args: ["--input-type=module", "-e", ESM],
    goal: 1.3,
    floor: ESM_FLOOR,
  },
  { label: "CJS: require core + linux, negotiate once", args: ["-e", CJS], goal: 1.2, floor: CJS_FLOOR },
  { label: "ESM, from a program file (informative)", args: [programFile("program.mjs", ESM)] },
  { label: "CJS, from a program file (informative)", args: [programFile("program.cjs", CJS)] },
  { label: "CJS: require core alone (its share)", args: ["-e", 'require("@negotiate/core")'] },
  {
    label: ESM_FLOOR,
    args: [
      "--input-type=module",
      "-e",
      `${importEmpty} import { createRequire } from "node:module"; const require = createRequire(import.meta.url); ${resolveBoth("import.meta.resolve")} ${LOAD_DEPENDENCIES}`,
    ],
  },
  {
    label: CJS_FLOOR,
    args: ["-e", `${resolveBoth("require.resolve")} ${LOAD_DEPENDENCIES}`],
  },
].map((variant) => ({ ...variant, cwd: root }));

// Which packages the CommonJS program loads, and how many files of each: where the start-up goes.
const COUNT_MODULES = `
const counts = {};
for (const file of Object.keys(require.cache)) {
  const name = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/.exec(file)?.[1] ?? "(workspace)";
  counts[name] = (counts[name] ?? 0) + 1;
}
console.log(Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([name, n]) => name + " " + n).join(", "));`;
const loaded = execFileSync(process.execPath, ["-e", CJS + COUNT_MODULES], {
  cwd: root,
  encoding: "utf8",
}).trim();

const samples = timeProcesses(variants, ROUNDS);
console.log(`cold start, ${ROUNDS} alternated rounds; node ${process.version}`);
console.log(`CommonJS modules loaded by the program, per package: ${loaded}`);
console.table(processTable(variants, samples));

// In ms, what the SDK's own code costs (a goal row less its floor, paired by round) against what the goal leaves
// it (the goal less the floor's ratio, times `node -e 0`): where a goal stands, in the unit the code is changed in.
const shown = (values: readonly number[]) =>
  `${median(values).toFixed(1)} ms (middle half ${range(middleHalf(values), 1)})`;
variants.forEach(({ label, goal, floor }, row) => {
  if (goal === undefined || floor === undefined) return;
  const floorSamples = samples[variants.findIndex((variant) => variant.label === floor)]!;
  const own = pairedDifferences(samples[row]!, floorSamples);
  const left = pairedRatios(floorSamples, samples[0]!).map(
    (ratio, round) => (goal - ratio) * samples[0]![round]!,
  );
  console.log(`${label}: the SDK's own ${shown(own)}, the goal leaves it ${shown(left)}`);
});

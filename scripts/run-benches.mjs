#!/usr/bin/env node
// Runs every bench/*.bench.ts one after another against the built packages (dist), each printing its table
// with its goals met or MISSED (judged on medians of paired, alternated runs), then lists the goals of all.
//   node scripts/run-benches.mjs [name...]   (only the benches whose file name contains one of the names)
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const only = process.argv.slice(2);
const benches = readdirSync(join(root, "bench"))
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)));
let failed = 0;
const goals = [];
for (const file of benches) {
  console.log(`\n=== bench/${file}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--import", "tsx", join("bench", file)], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  process.stdout.write(run.stdout);
  for (const line of run.stdout.split("\n")) {
    if (/\b(met|MISSED)\b/.test(line)) goals.push(`${file}: ${line.replace(/\s+/g, " ").trim()}`);
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (run.status !== 0) failed++;
}
console.log(`\n=== goals\n${goals.join("\n")}`);
process.exit(failed === 0 ? 0 : 1);

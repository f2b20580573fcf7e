#!/usr/bin/env node
// Runs every bench/*.bench.ts one after another against the built packages (dist), each printing its table.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const only = process.argv.slice(2);
const benches = readdirSync(join(root, "bench"))
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)));
let failed = 0;
for (const file of benches) {
  console.log(`\n=== bench/${file}`);
  const run = spawnSync(process.execPath, ["--import", "tsx", join("bench", file)], {
    cwd: root,
    stdio: "inherit",
  });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

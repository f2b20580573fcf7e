#!/usr/bin/env node
// Runs a command while busy loops keep every core occupied, to check that tests hold under load:
//   node scripts/with-busy-cores.mjs [--loops N] [--max-minutes M] -- npx -y pnpm@12.4.2 run test:all
// Each loop is a child process that spins until the command ends; it also stops by itself after --max-minutes
// (default 30) or when this script is gone, so a killed run leaves nothing spinning. Prints the command's wall
// time and exits with its code.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";

function parse(argv) {
  const separator = argv.indexOf("--");
  if (separator === -1 || separator === argv.length - 1) {
    return { error: "usage: with-busy-cores.mjs [--loops N] [--max-minutes M] -- command [args...]" };
  }
  const options = { loops: availableParallelism(), maxMinutes: 30, command: argv.slice(separator + 1) };
  const flags = argv.slice(0, separator);
  for (let index = 0; index < flags.length; index += 2) {
    const [flag, value] = [flags[index], Number(flags[index + 1])];
    const key = { "--loops": "loops", "--max-minutes": "maxMinutes" }[flag];
    if (key === undefined)
      return { error: `unknown option ${JSON.stringify(flag)} (valid: --loops, --max-minutes)` };
    if (!Number.isInteger(value) || value < 1 || value > 1000) {
      return {
        error: `${flag} must be a whole number from 1 to 1000, got ${JSON.stringify(flags[index + 1])}`,
      };
    }
    options[key] = value;
  }
  return options;
}

// Spins in slices of ~1M iterations, checking between slices whether its time is up or its parent is gone.
const LOOP = `const end = Date.now() + Number(process.argv[1]); const parent = process.ppid;
let sink = 0;
while (Date.now() < end && process.ppid === parent) { for (let i = 0; i < 1e6; i++) sink += i; }`;

const options = parse(process.argv.slice(2));
if (options.error) {
  console.error(options.error);
  process.exit(2);
}
const loops = Array.from({ length: options.loops }, () =>
  spawn(process.execPath, ["-e", LOOP, String(options.maxMinutes * 60_000)], { stdio: "ignore" }),
);
const stopLoops = () => {
  for (const loop of loops) if (loop.exitCode === null) loop.kill("SIGTERM");
};
process.on("exit", stopLoops);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopLoops();
    process.exit(130);
  });
}

console.error(
  `with-busy-cores: ${loops.length} busy loops (pids ${loops.map((loop) => loop.pid).join(", ")})`,
);
const started = performance.now();
const command = spawn(options.command[0], options.command.slice(1), { stdio: "inherit" });
command.on("error", (error) => {
  console.error(`with-busy-cores: cannot run ${options.command[0]}: ${error.message}`);
  process.exit(127);
});
command.on("exit", (code, signal) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(
    `with-busy-cores: ${options.command.join(" ")} ${signal ? `killed by ${signal}` : `exited ${code}`} after ${seconds} s with ${loops.length} busy loops`,
  );
  process.exit(code ?? 1);
});

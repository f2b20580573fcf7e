import { writeSync } from "node:fs";
import { EXIT } from "./cli-error.js";
import { directOutput } from "./direct-output.js";
import { main, oneLine } from "./main.js";

// Last resort: whatever escapes `main` (a stream error, a throw in a callback) is one line and exit 70.
const fail = (error: unknown): void => {
  // A reader that went away (`negotiate probe | head -1`) is not an error of ours.
  if ((error as NodeJS.ErrnoException | null)?.code === "EPIPE") process.exit(process.exitCode ?? EXIT.ok);
  writeSync(2, `negotiate: internal error: ${oneLine(error)}\n`);
  process.exit(EXIT.internal);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

main(process.argv.slice(2), {
  stdout: directOutput(1, () => process.stdout, fail),
  stderr: directOutput(2, () => process.stderr, fail),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
}, fail);

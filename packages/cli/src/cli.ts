import { EXIT } from "./cli-error.js";
import { main, oneLine } from "./main.js";

// Last resort: whatever escapes `main` (a stream error, a throw in a callback) is one line and exit 70.
const fail = (error: unknown): void => {
  // A reader that went away (`negotiate probe | head -1`) is not an error of ours.
  if ((error as NodeJS.ErrnoException | null)?.code === "EPIPE") process.exit(process.exitCode ?? EXIT.ok);
  process.stderr.write(`negotiate: internal error: ${oneLine(error)}\n`);
  process.exit(EXIT.internal);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
process.stdout.on("error", fail);

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  fail,
);

import { writeSync } from "node:fs";
import { EXIT } from "./cli-error.js";
import { directOutput } from "./direct-output.js";
import { main, reportInternal, wantsJson } from "./main.js";

const argv = process.argv.slice(2);
const json = wantsJson(argv);

/**
 * A write to stdout or stderr that failed (EPIPE: the reader went away; ENOSPC: /dev/full; EIO) loses that
 * output, never the exit code: the command goes on and exits with its own code. A failure other than EPIPE is
 * told on stderr once, when stderr still works.
 */
let lostOutput = false;
const onWriteError = (stream: string) => (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === undefined) return fail(error);
  if (lostOutput || code === "EPIPE") {
    lostOutput = true;
    return;
  }
  lostOutput = true;
  try {
    writeSync(2, `negotiate: cannot write to ${stream}: ${code}; the exit code is the command's own\n`);
  } catch {
    // stderr is gone as well.
  }
};

// Last resort: whatever escapes `main` (a throw in a callback) is one line (JSON with --json) and exit 70.
function fail(error: unknown): void {
  if ((error as NodeJS.ErrnoException | null)?.code === "EPIPE") {
    lostOutput = true;
    return;
  }
  reportInternal(
    error,
    {
      stdout: { write: (text) => writeSync(1, text) },
      stderr: { write: (text) => writeSync(2, text) },
      env: {},
    },
    json,
  );
  process.exit(EXIT.internal);
}
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

const stdout = directOutput(1, () => process.stdout, onWriteError("stdout"));
const stderr = directOutput(2, () => process.stderr, onWriteError("stderr"));
main(argv, { stdout, stderr, env: process.env }).then((code) => {
  // Once the output has reached its fds the process exits at once: the event loop's last turn would only run the
  // young-generation scavenge V8 scheduled while the command allocated (3-4 ms here), then Node's tear-down.
  // Output still held by a Node stream (a full pipe) is written by the loop first.
  if (stdout.settled && stderr.settled) process.exit(code);
  process.exitCode = code;
}, fail);

import { fstatSync, writeSync } from "node:fs";
import type { OutputStream } from "./output.js";

// Linux's memory devices (/dev/null, /dev/zero, /dev/full) have major number 1; a terminal never does.
const LINUX_MEMORY_DEVICES = 1;

// Whether `fd` is certainly no terminal, known from fstat(2) alone: not a character device, or a Linux memory
// device (where `npm`, CI and `stdio: "ignore"` often point stdout). Anything else may be one: ask Node.
function certainlyNoTerminal(fd: number): boolean {
  try {
    const stats = fstatSync(fd);
    if (!stats.isCharacterDevice()) return true;
    const major = stats.rdev < 2 ** 32 ? (stats.rdev >>> 8) & 0xfff : undefined;
    return process.platform === "linux" && major === LINUX_MEMORY_DEVICES;
  } catch {
    return false;
  }
}

/** An `OutputStream` on an fd, which knows whether everything written has reached it. */
export interface DirectOutput extends OutputStream {
  /** `true` while no write waits in the Node stream (it was never needed, or it has passed everything on). */
  readonly settled: boolean;
}

/**
 * stdout or stderr written with write(2) on its fd. Creating `process.stdout` loads Node's stream modules, a good
 * part of the command's start-up: the Node stream is created only when a command asks whether the output is a
 * terminal (to colour it) and fstat(2) cannot say it is none (a file, a pipe, /dev/null), or when a write would
 * block (a full non-blocking pipe), and from then on it takes every later write, so the output stays in order.
 * Errors of either way of writing go to `onError`.
 */
export function directOutput(
  fd: number,
  nodeStream: () => NodeJS.WritableStream & { readonly isTTY?: boolean; readonly writableLength: number },
  onError: (error: unknown) => void,
): DirectOutput {
  let stream: ReturnType<typeof nodeStream> | undefined;
  const created = () => {
    stream ??= nodeStream().on("error", onError);
    return stream;
  };
  let blocked = false;
  return {
    get isTTY() {
      if (stream === undefined && certainlyNoTerminal(fd)) return false;
      return created().isTTY === true;
    },
    get settled() {
      return stream === undefined || stream.writableLength === 0;
    },
    write(text: string) {
      if (blocked) return created().write(text);
      let pending = Buffer.from(text);
      try {
        while (pending.length > 0) pending = pending.subarray(writeSync(fd, pending));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return onError(error);
        blocked = true;
        created().write(pending);
      }
    },
  };
}

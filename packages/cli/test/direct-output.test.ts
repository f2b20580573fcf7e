import { execFileSync } from "node:child_process";
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { directOutput } from "../src/direct-output.js";

let folder = "";
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "negotiate-output-"));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

/** A Node stream stand-in that records what it was given, holding it (`writableLength`) until `drained`. */
function recordingStream(isTTY = false) {
  const written: Buffer[] = [];
  let held = 0;
  const stream = {
    isTTY,
    on: vi.fn(() => stream),
    write: (chunk: string | Uint8Array) => {
      held += Buffer.byteLength(chunk);
      written.push(Buffer.from(chunk));
    },
    get writableLength() {
      return held;
    },
    drained: () => {
      held = 0;
    },
  };
  return { stream, written, create: vi.fn(() => stream as unknown as NodeJS.WriteStream) };
}

/** Both ends of a named pipe, non-blocking, as a pipe Node shares with its parent can be. */
function nonBlockingPipe(): { readonly reader: number; readonly writer: number } {
  const path = join(folder, "fifo");
  execFileSync("mkfifo", [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  return { reader, writer };
}

function drain(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65_536);
  for (;;) {
    let count = 0;
    try {
      count = readSync(fd, buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") break;
      throw error;
    }
    if (count === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, count)));
  }
  return Buffer.concat(chunks);
}

describe("directOutput", () => {
  it("writes to the fd itself and never creates the Node stream for it", () => {
    const file = join(folder, "out.txt");
    const fd = openSync(file, "w");
    const { create } = recordingStream();
    const onError = vi.fn();
    const output = directOutput(fd, create, onError);
    output.write("supported  0x1ffff\n");
    output.write("größer → ✓\n");
    closeSync(fd);
    expect(readFileSync(file, "utf8")).toBe("supported  0x1ffff\ngrößer → ✓\n");
    expect(create).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
    expect(output.settled).toBe(true);
  });

  it("knows a file, a pipe or /dev/null is no terminal without creating the Node stream", () => {
    const { reader, writer } = nonBlockingPipe();
    const file = openSync(join(folder, "out.txt"), "w");
    const devNull = openSync("/dev/null", "w");
    const { create } = recordingStream(true);
    const answers = [writer, file, devNull].map((fd) => directOutput(fd, create, vi.fn()).isTTY);
    for (const fd of [reader, writer, file, devNull]) closeSync(fd);
    expect(answers).toEqual([false, false, false]);
    expect(create).not.toHaveBeenCalled();
  });

  it.runIf(existsSync("/dev/ptmx"))(
    "asks the Node stream whether a character device (a pty) is a terminal, creating it once",
    () => {
      const pty = openSync("/dev/ptmx", "r+");
      const { create, stream } = recordingStream(true);
      const output = directOutput(pty, create, vi.fn());
      expect(output.isTTY).toBe(true);
      expect(output.isTTY).toBe(true);
      closeSync(pty);
      expect(create).toHaveBeenCalledTimes(1);
      expect(stream.on).toHaveBeenCalledWith("error", expect.any(Function));
    },
  );

  it("hands the rest to the Node stream, in order, once a non-blocking pipe is full", () => {
    const { reader, writer } = nonBlockingPipe();
    const { create, written, stream } = recordingStream();
    const output = directOutput(writer, create, vi.fn());
    const chunks = Array.from({ length: 6 }, (_, index) => String.fromCharCode(97 + index).repeat(40_000));
    for (const chunk of chunks) output.write(chunk);
    // Until the Node stream has passed the remainder on, the output is not settled (cli.ts must not exit).
    const settledWhileHeld = output.settled;
    stream.drained();
    const direct = drain(reader);
    closeSync(reader);
    closeSync(writer);
    // The pipe took what it could hold; the stream got the remainder, nothing lost or reordered.
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.length).toBeLessThan(240_000);
    expect(create).toHaveBeenCalledTimes(1);
    expect(Buffer.concat([direct, ...written]).toString()).toBe(chunks.join(""));
    expect(settledWhileHeld).toBe(false);
    expect(output.settled).toBe(true);
  });

  it("reports a reader that went away (EPIPE) to onError instead of throwing", () => {
    const { reader, writer } = nonBlockingPipe();
    closeSync(reader);
    const onError = vi.fn();
    const output = directOutput(writer, recordingStream().create, onError);
    expect(() => output.write("MOVE  16  yes\n")).not.toThrow();
    closeSync(writer);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: "EPIPE" }));
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_FILE_BYTES, readBoundedFile } from "../../src/index.js";

const directory = mkdtempSync(join(tmpdir(), "negotiate-reader-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const at = (name: string, content: string | Uint8Array) => {
  writeFileSync(join(directory, name), content);
  return join(directory, name);
};
const openFds = () => readdirSync("/proc/self/fd").length;

describe("readBoundedFile", () => {
  it("reads a regular file through a symlink and names its real path", () => {
    const file = at("policy.yaml", "version: 1\n");
    symlinkSync(file, join(directory, "link.yaml"));
    expect(readBoundedFile(join(directory, "link.yaml"))._unsafeUnwrap()).toEqual({
      text: "version: 1\n",
      realPath: file,
    });
  });

  it("reads exactly the limit and refuses one byte more, naming the limit", () => {
    expect(readBoundedFile(at("full.yaml", "x".repeat(MAX_FILE_BYTES)))._unsafeUnwrap().text).toHaveLength(
      MAX_FILE_BYTES,
    );
    expect(readBoundedFile(at("over.yaml", "x".repeat(MAX_FILE_BYTES + 1)))._unsafeUnwrapErr()).toEqual({
      kind: "too-large",
      reason: `larger than the limit of ${MAX_FILE_BYTES} bytes (1 MiB): more bytes`,
    });
  });

  it("refuses devices and FIFOs without blocking, and directories", () => {
    execFileSync("mkfifo", [join(directory, "fifo")]);
    for (const path of ["/dev/zero", "/dev/urandom", join(directory, "fifo")])
      expect(readBoundedFile(path)._unsafeUnwrapErr().kind, path).toBe("not-regular");
    expect(readBoundedFile(directory)._unsafeUnwrapErr()).toEqual({
      kind: "is-directory",
      reason: "is a directory",
    });
    expect(readBoundedFile(join(directory, "absent"))._unsafeUnwrapErr()).toEqual({
      kind: "not-found",
      reason: "no such file",
      code: "ENOENT",
    });
  });

  it("names the encoding of UTF-16 and byte order marks, and the offset of an invalid byte", () => {
    expect(readBoundedFile(at("bom.yaml", Buffer.from("\ufeffversion: 1\n")))._unsafeUnwrapErr().reason).toBe(
      "encoded as UTF-8 with a byte order mark; save it as UTF-8 without a byte order mark",
    );
    expect(readBoundedFile(at("utf16.yaml", Buffer.from("version", "utf16le")))._unsafeUnwrapErr().kind).toBe(
      "encoding",
    );
    expect(
      readBoundedFile(at("latin1.yaml", Buffer.from([0x61, 0x62, 0xe9, 0x0a])))._unsafeUnwrapErr(),
    ).toEqual({
      kind: "not-utf8",
      reason: "not UTF-8 text: invalid byte 0xe9 at offset 2",
    });
    expect(readBoundedFile(at("utf8.yaml", "name: café ✓ 🐧\n"))._unsafeUnwrap().text).toBe(
      "name: café ✓ 🐧\n",
    );
  });

  it("leaks no fd on any path", () => {
    const before = openFds();
    for (let round = 0; round < 20; round++) {
      for (const path of [
        "/dev/zero",
        join(directory, "fifo"),
        join(directory, "over.yaml"),
        join(directory, "latin1.yaml"),
        join(directory, "policy.yaml"),
      ])
        readBoundedFile(path);
    }
    expect(openFds()).toBe(before);
  });
});

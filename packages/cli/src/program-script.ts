import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/**
 * What the build writes around the bundled CommonJS program (`wrapProgram`): the function Node's module wrapper
 * would make of it, so that the loader compiles the file as read, without a copy of it joined to the wrapper.
 */
const WRAPPER_HEAD = "(function (exports, require, module, __filename, __dirname) {";
const WRAPPER_TAIL = "\n});";

/**
 * The program file for `bundle`, a CommonJS program in ASCII (what esbuild writes by default): read as latin1,
 * the loader takes each byte for its character without decoding UTF-8. Throws: Error for a non-ASCII bundle.
 */
export function wrapProgram(bundle: string): string {
  const nonAscii = /[^\p{ASCII}]/u.exec(bundle);
  if (nonAscii)
    throw new Error(`the program is not ASCII: ${JSON.stringify(nonAscii[0])} at ${nonAscii.index}`);
  return `${WRAPPER_HEAD}${bundle}${WRAPPER_TAIL}`;
}

/**
 * The program file `program` (see `wrapProgram`) compiled with the V8 code cache in `cacheFile` when it can be
 * read. A cache made by another V8 version, with other V8 flags, or for another source is rejected by V8
 * (`cachedDataRejected`), and the program is then compiled as usual.
 *
 * Each byte read costs start-up, here mostly the page faults of the fresh memory it lands in: both files are read
 * into one buffer, the cache over the program's bytes once they are copied into the string V8 compiles (read and
 * compiled ~1 ms faster than with a buffer each).
 */
export function compileProgram(program: string, cacheFile: string): Script {
  const programFd = openSync(program, "r");
  const cacheFd = unlessThrown(() => openSync(cacheFile, "r"));
  try {
    const programSize = fstatSync(programFd).size;
    const cacheSize = cacheFd === undefined ? 0 : fstatSync(cacheFd).size;
    const buffer = Buffer.allocUnsafe(Math.max(programSize, cacheSize));
    const source = readInto(programFd, buffer, programSize).toString("latin1");
    // An unreadable cache (EISDIR, EIO) only costs the compilation, as a missing one does.
    const cachedData =
      cacheFd === undefined ? undefined : unlessThrown(() => readInto(cacheFd, buffer, cacheSize));
    return new Script(source, { filename: program, cachedData });
  } finally {
    closeSync(programFd);
    if (cacheFd !== undefined) closeSync(cacheFd);
  }
}

/** Runs a program `compileProgram` compiled, as the main module would run. */
export function runProgram(script: Script, program: string): void {
  const programModule = { exports: {}, filename: program, id: program };
  script
    .runInThisContext()
    .call(
      programModule.exports,
      programModule.exports,
      createRequire(program),
      programModule,
      program,
      dirname(program),
    );
}

function unlessThrown<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

// The first `size` bytes of the file (its size by fstat(2)) into `buffer`: fewer if it shrank since.
function readInto(fd: number, buffer: Buffer, size: number): Buffer {
  let length = 0;
  for (let read = -1; read !== 0 && length < size; length += read)
    read = readSync(fd, buffer, length, size - length, length);
  return buffer.subarray(0, length);
}

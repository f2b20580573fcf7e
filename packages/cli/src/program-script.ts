import { readFileSync } from "node:fs";
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
 * (`cachedDataRejected`), and the program is then compiled as usual. Each byte read costs start-up (here most of
 * it is the page faults of the memory it is read into), so the file is read once, into the string V8 compiles.
 */
export function compileProgram(program: string, cacheFile: string): Script {
  return new Script(readFileSync(program, "latin1"), {
    filename: program,
    cachedData: readOptional(cacheFile),
  });
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

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/**
 * The bundled CommonJS program at `program`, compiled as Node's module wrapper would, with the V8 code cache in
 * `cacheFile` when it can be read. A cache made by another V8 version, with other V8 flags, or for another
 * source is rejected by V8 (`cachedDataRejected`), and the program is then compiled as usual.
 */
export function compileProgram(program: string, cacheFile: string): Script {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(program, "utf8")}\n});`;
  return new Script(source, { filename: program, cachedData: readOptional(cacheFile) });
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

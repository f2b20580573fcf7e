#!/usr/bin/env node
/**
 * The `negotiate` executable: runs the bundled program (`cli.cjs`) from the V8 code cache the build made for it
 * (`cli.code-cache`). Compiling the bundle is the largest part of the command's start-up after Node's own, and
 * Node 20 caches no code of its own.
 *
 * - The cache is V8's: a Node with another V8 version or other V8 flags rejects it, and the program is then
 *   compiled as usual. A missing or unreadable cache is not an error either.
 * - With `NEGOTIATE_WRITE_CODE_CACHE=1` in the environment (the build sets it), the cache is written when the
 *   process exits, with every function the run compiled, replacing the old one.
 * - This file never writes anything otherwise: an installed package is not modified by running it.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { join } from "node:path";
import { Script } from "node:vm";

const program = join(__dirname, "cli.cjs");
const cacheFile = join(__dirname, "cli.code-cache");

const readCache = (): Buffer | undefined => {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
};

const script = new Script(Module.wrap(readFileSync(program, "utf8")), {
  filename: program,
  cachedData: readCache(),
});

if (process.env.NEGOTIATE_WRITE_CODE_CACHE === "1") {
  process.once("exit", () => {
    // Renamed into place, so that a concurrent run never reads half a cache.
    writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData());
    renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  });
}

const programModule = { exports: {}, filename: program, id: program };
script
  .runInThisContext()
  .call(
    programModule.exports,
    programModule.exports,
    createRequire(program),
    programModule,
    program,
    __dirname,
  );

#!/usr/bin/env node
/**
 * The `negotiate` executable: runs the bundled program (`cli.cjs`) from the V8 code cache the build made for it
 * (`cli.code-cache`). Compiling the bundle is the largest part of the command's start-up after Node's own, and
 * Node 20 caches no code of its own.
 *
 * - A missing, unreadable or rejected cache (another V8 version or V8 flags) only costs the compilation.
 * - With `NEGOTIATE_WRITE_CODE_CACHE=1` in the environment (the build sets it), the cache is written when the
 *   process exits, with every function the run compiled, replacing the old one.
 * - Otherwise nothing is ever written: an installed package is not modified by running it.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileProgram, runProgram } from "./program-script.js";

const program = join(__dirname, "cli.cjs");
const cacheFile = join(__dirname, "cli.code-cache");
const script = compileProgram(program, cacheFile);

if (process.env.NEGOTIATE_WRITE_CODE_CACHE === "1") {
  process.once("exit", () => {
    // Renamed into place, so that a concurrent run never reads half a cache.
    writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData());
    renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  });
}

runProgram(script, program);

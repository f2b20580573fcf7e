import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/main.js";
import type { CliIo } from "../../src/output.js";

/** What one in-process run of the CLI printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = Record<string, unknown>>(): T;
}

/** Runs `negotiate ...argv` in this process with captured streams; `tty` makes stdout and stderr terminals. */
export async function runCli(
  argv: readonly string[],
  options: { readonly tty?: boolean; readonly env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => err.push(text), isTTY: options.tty ?? false },
    env: options.env ?? {},
  };
  const code = await main(argv, io);
  const stdout = out.join("");
  return { code, stdout, stderr: err.join(""), json: <T>() => JSON.parse(stdout) as T };
}

/** A fixture policy's path. */
export const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

/** A stack frame as V8 prints it: what no output of the CLI may contain. */
export const STACK_FRAME = /^\s+at .+[(:]\d+/m;

/** A policy file with a YAML syntax error on line 4, column 3 (written at run time: the linter parses fixtures). */
export const MALFORMED_POLICY = join(mkdtempSync(join(tmpdir(), "negotiate-cli-")), "malformed.yaml");
writeFileSync(MALFORMED_POLICY, "version: 1\nfeatures:\n  required: [THREAD_ID\n  optional: MOVE\n");

/** An ANSI colour sequence. */
export const ANSI = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`);

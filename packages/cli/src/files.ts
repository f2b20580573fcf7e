import { readFileSync, writeFileSync } from "node:fs";
import { Result } from "neverthrow";
import type { CliError } from "./cli-error.js";

const fsError =
  (file: string, doing: string) =>
  (cause: unknown): CliError => {
    const code = (cause as NodeJS.ErrnoException | null)?.code ?? "EIO";
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { kind: "file-error", file, code, message: `cannot ${doing} ${file}: ${reason}` };
  };

/** The UTF-8 text of a file named on the command line. */
export function readTextFile(file: string): Result<string, CliError> {
  return Result.fromThrowable(() => readFileSync(file, "utf8"), fsError(file, "read"))();
}

/** Writes (or replaces) a file named on the command line. */
export function writeTextFile(file: string, text: string): Result<void, CliError> {
  return Result.fromThrowable(() => writeFileSync(file, text), fsError(file, "write"))();
}

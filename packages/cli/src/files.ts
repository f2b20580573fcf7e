import { writeFileSync } from "node:fs";
import { readBoundedFile } from "@negotiate/core";
import { Result } from "neverthrow";
import type { CliError } from "./cli-error.js";

/**
 * The UTF-8 text of a file named on the command line, through the SDK's bounded reader (a regular file of at
 * most 1 MiB, strict UTF-8), with the same wording as a policy's: "cannot read <file>: no such file".
 */
export function readTextFile(file: string): Result<string, CliError> {
  return readBoundedFile(file)
    .map((read) => read.text)
    .mapErr(
      (failure): CliError => ({
        kind: "file-error",
        file,
        code: failure.code ?? failure.kind,
        message: `cannot read ${file}: ${failure.reason}`,
      }),
    );
}

/** Writes (or replaces) a file named on the command line. */
export function writeTextFile(file: string, text: string): Result<void, CliError> {
  return Result.fromThrowable(
    () => writeFileSync(file, text),
    (cause): CliError => {
      const code = (cause as NodeJS.ErrnoException | null)?.code ?? "EIO";
      const reason = cause instanceof Error ? cause.message : String(cause);
      return { kind: "file-error", file, code, message: `cannot write ${file}: ${reason}` };
    },
  )();
}

import { decodeHostProfile, type HostProfile } from "@negotiate/core";
import type { Result } from "neverthrow";
import type { CliError } from "./cli-error.js";
import { readTextFile } from "./files.js";

/** Reads a profile written by `negotiate capture`. Errors: `file-error`, `invalid-profile` (naming the bad field). */
export function readHostProfile(file: string): Result<HostProfile, CliError> {
  return readTextFile(file).andThen((text) =>
    decodeHostProfile(text).mapErr(
      (error): CliError => ({ kind: "invalid-profile", file, error, message: `${file}: ${error.message}` }),
    ),
  );
}

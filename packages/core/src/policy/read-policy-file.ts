import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { fromThrowable } from "neverthrow";
import type { PolicyFormat } from "./policy-document.js";

/** Why a policy file could not be read: the errno code when there is one, and a phrase for people. */
interface FileReadFailure {
  readonly code?: string;
  readonly reason: string;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a parent is not a directory",
};

/** Reads a policy file as UTF-8; the only place the policy module touches the file system. */
export const readPolicyFile = fromThrowable(
  (path: string): string => readFileSync(path, "utf8"),
  (error): FileReadFailure => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
    return code === undefined ? { reason } : { code, reason };
  },
);

/** `json` for `.json` files, `yaml` for everything else. */
export function formatOfPath(path: string): PolicyFormat {
  return extname(path).toLowerCase() === ".json" ? "json" : "yaml";
}

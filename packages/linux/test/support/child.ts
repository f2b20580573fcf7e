import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fromJson } from "./bigint-json.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const NODE = ["/usr/bin/node", "--conditions=@negotiate/source", "--import", "tsx"];

/** How to run a fixture: as uid/gid 65534 without capabilities, and/or under a low RLIMIT_NOFILE. */
export interface ChildOptions {
  readonly unprivileged?: boolean;
  readonly nofile?: number;
  /** Text written to the child's stdin. */
  readonly input?: string;
}

/** Runs a TypeScript script with tsx (from the repository root) and parses the JSON it prints. */
export function runFixture<T>(script: URL, options: ChildOptions = {}): T {
  const command = [
    ...(options.nofile === undefined ? [] : ["prlimit", `--nofile=${options.nofile}:${options.nofile}`]),
    ...(options.unprivileged
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
      : []),
    ...NODE,
    fileURLToPath(script),
  ];
  const stdout = execFileSync(command[0]!, command.slice(1), {
    cwd: ROOT,
    encoding: "utf8",
    input: options.input ?? "",
    maxBuffer: 64 * 1024 * 1024,
  });
  return fromJson<T>(stdout);
}

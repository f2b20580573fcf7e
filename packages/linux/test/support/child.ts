import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const NODE = ["/usr/bin/node", "--conditions=@negotiate/source", "--import", "tsx"];

/** How to run a fixture: as uid/gid 65534 without capabilities, and/or under a low RLIMIT_NOFILE. */
export interface ChildOptions {
  readonly unprivileged?: boolean;
  readonly nofile?: number;
  /** Text written to the child's stdin. */
  readonly input?: string;
}

/** Runs `test/fixtures/<name>` of this package with tsx and parses the JSON it prints. */
export function runFixture<T>(name: string, options: ChildOptions = {}): T {
  const script = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  const command = [
    ...(options.nofile === undefined ? [] : ["prlimit", `--nofile=${options.nofile}:${options.nofile}`]),
    ...(options.unprivileged
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
      : []),
    ...NODE,
    script,
  ];
  const stdout = execFileSync(command[0]!, command.slice(1), {
    cwd: ROOT,
    encoding: "utf8",
    input: options.input ?? "",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout, (_key, value) =>
    typeof value === "string" && /^0x[0-9a-f]+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
  ) as T;
}

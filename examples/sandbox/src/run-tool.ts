import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** How a sandboxed tool ended, and what the sandbox reported of its confinement. */
export interface ToolRun {
  /** The tool's exit code; 126 when it could not be confined (then it did not run). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The sandbox's report (`{ ok, abi, coverage, rights, restricted, warnings }` or `{ ok: false, message }`). */
  readonly report?: { readonly ok: boolean } & Record<string, unknown>;
}

const CHILD = fileURLToPath(new URL("./sandbox-child.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Runs `command args…` confined by the policy file's `landlock:` section, in a child that negotiates, restricts
 * itself and then spawns the command (which is confined whole): this process is never restricted. Bounded by
 * `timeoutMs` (default 30 s); the tool's exit code passes through. `uid` runs the child as that user.
 */
export function runTool(
  policyFile: string,
  command: string,
  args: readonly string[],
  options: { readonly timeoutMs?: number; readonly uid?: number } = {},
): ToolRun {
  const run = spawnSync(
    process.execPath,
    ["--conditions=@negotiate/source", "--import", "tsx", CHILD, policyFile, "--", command, ...args],
    {
      cwd: REPO,
      encoding: "utf8",
      timeout: options.timeoutMs ?? 30_000,
      // fd 3: the report, apart from the tool's own output.
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      // Another user cannot write this process's temporary folder: tsx's cache goes to /tmp then.
      ...(options.uid === undefined
        ? {}
        : { uid: options.uid, gid: options.uid, env: { ...process.env, TMPDIR: "/tmp" } }),
    },
  );
  const line = String(run.output[3] ?? "").split("\n")[0] ?? "";
  let report: ToolRun["report"];
  try {
    report = line ? (JSON.parse(line) as ToolRun["report"]) : undefined;
  } catch {
    report = undefined;
  }
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, ...(report ? { report } : {}) };
}

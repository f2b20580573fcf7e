import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LandlockPolicy, LandlockRightName } from "@negotiate/core/landlock";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { landlockPolicy } from "../../../core/test/landlock/support/negotiated-grant.js";
import { landlockBackend } from "../../../linux/src/index.js";
import { type ExecSteps, execCommand } from "../../src/exec-command.js";
import { EXEC_STEPS } from "../../src/exec-steps.js";
import type { CliIo } from "../../src/output.js";
import { fixture, runCli, STACK_FRAME } from "../support/run-cli.js";

// Every case here fails before enforce(): the test runner is never restricted (the proofs run in children).
const capture = () => {
  const out: string[] = [];
  const errors: string[] = [];
  const io: CliIo = {
    stdout: { write: (text) => out.push(text) },
    stderr: { write: (text) => errors.push(text) },
    env: {},
  };
  return { io, stdout: () => out.join(""), stderr: () => errors.join("") };
};
const withPolicy = (policy: Partial<LandlockPolicy<LandlockRightName, LandlockRightName>>): ExecSteps => ({
  readPolicy: () => ok(landlockPolicy<LandlockRightName, LandlockRightName>(policy)),
  negotiate: EXEC_STEPS.negotiate,
});
const openFds = () => readdirSync("/proc/self/fd").length;
const landlock = landlockBackend().andThen((port) => port.abiVersion());

describe("negotiate exec: refusals before anything runs", () => {
  it.each([
    [["exec", "--policy", "p.yaml", "--backend", "mock", "--", "true"], /a simulated kernel cannot/],
    [["exec", "--policy", "p.yaml"], /missing required argument 'command'/],
    [["exec", "--", "true"], /required option '--policy <file>'/],
    [["exec", "--policy", "p.yaml", "--json-report", "r.json", "--report-fd", "2", "--", "true"], /give one/],
    [
      ["exec", "--policy", "p.yaml", "--report-fd", "1", "--", "true"],
      /--report-fd "1" is invalid; expected an open fd, 2 or above/,
    ],
    [["exec", "--policy", "p.yaml", "--report-fd", "987654", "--", "true"], /--report-fd 987654 is not open/],
  ])("%j exits 2 with one line on stderr", async (argv, message) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it("a --json-report FIFO that nobody reads fails at once (ENXIO, exit 2) instead of hanging", async () => {
    const folder = mkdtempSync(join(tmpdir(), "exec-report-fifo-"));
    const fifo = join(folder, "report");
    execFileSync("mkfifo", [fifo]);
    const before = openFds();
    const run = await runCli([
      "exec",
      "--policy",
      fixture("agent-v2.yaml"),
      "--json-report",
      fifo,
      "--",
      "true",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot write .*report: ENXIO \(a FIFO that nobody reads\)/);
    expect(openFds()).toBe(before);
    rmSync(folder, { recursive: true });
  });

  it("refuses a policy without a landlock: section (exit 2), reading nothing else", async () => {
    const run = await runCli(["exec", "--policy", fixture("lazy-restore.yaml"), "--", "true"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/lazy-restore\.yaml has no landlock: section/);
    const missing = await runCli(["exec", "--policy", "/nonexistent/policy.yaml", "--", "true"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/policy\.yaml/);
  });

  it("passes the command's own options through: after the command, nothing is exec's", async () => {
    const run = await runCli(["exec", "--policy", "p.yaml", "--backend", "mock", "ls", "--json", "-l"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/a simulated kernel cannot/);
  });

  it("with --json, a failure is JSON on stderr, never on stdout (the command's)", async () => {
    const { io, stdout, stderr } = capture();
    const steps: ExecSteps = {
      ...withPolicy({}),
      negotiate: () => err({ kind: "unexpected", detail: "x", message: "refused here" }),
    };
    const code = await execCommand({ policy: "p.yaml", json: true }, ["true"], io, steps);
    expect(code).toBe(1);
    expect(stdout()).toBe("");
    expect(JSON.parse(stderr())).toMatchObject({
      ok: false,
      error: { kind: "unexpected", message: "refused here" },
    });
  });

  it.runIf(landlock.isOk())("a malformed rule exits 2 naming it, with the ruleset closed", async () => {
    const before = openFds();
    const { io, stderr } = capture();
    const steps = withPolicy({
      required: ["READ_FILE"],
      rules: [{ path: "relative/path", allow: ["READ_FILE"] }],
    });
    const code = await execCommand({ policy: "p.yaml" }, ["true"], io, steps);
    expect(code).toBe(2);
    expect(stderr()).toMatch(/rules\[0\]\.path "relative\/path" must be an absolute path/);
    expect(openFds()).toBe(before);
  });
});

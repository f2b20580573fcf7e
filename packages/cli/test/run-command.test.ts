import { featureDefinition, kernelAtLeast, parseKernelRelease } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { fixture, MALFORMED_POLICY, runCli, STACK_FRAME } from "./support/run-cli.js";

interface TraceJson {
  op: "open" | "api" | "close";
  result: string;
  fd?: number;
  features?: string;
}

interface RunJson {
  ok: true;
  strategy: string;
  route: string;
  open: string;
  requested: string[];
  enabled: string[];
  supported: string[];
  missingOptional: string[];
  ioctls: string;
  features: { name: string; wanted: string; enabled: boolean; reason?: string }[];
  warnings: { code: string }[];
  trace: TraceJson[];
  explanation?: string[];
}

interface FailureJson {
  ok: false;
  error: { kind: string; message: string; [field: string]: unknown };
  hint?: string;
}

const POLICY = fixture("lazy-restore.yaml");
// lazy-restore.yaml: required EVENT_REMOVE, THREAD_ID; optional MOVE, WP_ASYNC, EVENT_FORK, EXACT_ADDRESS.
const OPTIONAL = ["EVENT_FORK", "EXACT_ADDRESS", "WP_ASYNC", "MOVE"] as const;
const on = (release: string) => (name: (typeof OPTIONAL)[number]) =>
  kernelAtLeast(parseKernelRelease(release)._unsafeUnwrap(), featureDefinition(name).since);

describe("negotiate run", () => {
  it("--json prints one object with the documented fields, names without prefix and hex masks", async () => {
    const run = await runCli(["run", "--policy", POLICY, "--kernel", "6.6", "--root", "--json"]);
    expect(run.code).toBe(0);
    const result = run.json<RunJson>();
    expect(result).toMatchObject({ ok: true, strategy: "auto", open: "syscall" });
    expect(result.ioctls).toMatch(/^0x[0-9a-f]+$/);
    const expectedOptional = OPTIONAL.filter(on("6.6"));
    expect(result.enabled).toEqual(
      expect.arrayContaining(["EVENT_REMOVE", "THREAD_ID", ...expectedOptional]),
    );
    expect(result.missingOptional.sort()).toEqual(OPTIONAL.filter((name) => !on("6.6")(name)).sort());
    for (const name of [...result.enabled, ...result.requested, ...result.supported])
      expect(name).toMatch(/^[A-Z_]+$/);
    for (const entry of result.trace) {
      expect(["open", "api", "close"]).toContain(entry.op);
      expect(entry.result).toMatch(/^(ok|E[A-Z]+)$/);
      if (entry.op === "api") expect(entry.features).toMatch(/^0x[0-9a-f]+$/);
    }
    // The CLI closes the session: the trace ends with the close of the fd it opened.
    const opened = result.trace.filter((entry) => entry.op === "open" && entry.result === "ok").at(-1);
    expect(result.trace.at(-1)).toEqual({ op: "close", fd: opened?.fd, result: "ok" });
  });

  it("says why each optional feature is missing: too old, or no CAP_SYS_PTRACE", async () => {
    const run = await runCli(["run", "--policy", POLICY, "--kernel", "5.10", "--unprivileged", "--json"]);
    expect(run.code).toBe(0);
    const reasons = Object.fromEntries(
      run.json<RunJson>().features.map((feature) => [feature.name, feature.reason]),
    );
    expect(reasons.EVENT_REMOVE).toBeUndefined();
    expect(reasons.EVENT_FORK).toBe("needs CAP_SYS_PTRACE, which this process lacks");
    expect(reasons.MOVE).toBe(`not supported: added in ${featureDefinition("MOVE").since}`);
    expect(reasons.EXACT_ADDRESS).toBe(`not supported: added in ${featureDefinition("EXACT_ADDRESS").since}`);
  });

  it.each([
    // riscv64 offers uffd-wp only with a CPU extension; 6.10 refuses the masked bit, so it is probed away.
    ["riscv64", "6.10", "not supported: this build or architecture lacks uffd-wp"],
    // arm64 has uffd-wp only from 6.10; 6.6 accepts the masked bit silently without enabling it.
    [
      "arm64",
      "6.6",
      "the kernel accepted the request but did not enable it: this build or architecture lacks uffd-wp",
    ],
    ["x86_64", "5.4", `not supported: added in ${featureDefinition("PAGEFAULT_FLAG_WP").since}`],
  ])("tells why PAGEFAULT_FLAG_WP is missing on %s %s", async (arch, kernel, reason) => {
    const run = await runCli([
      "run",
      "--policy",
      fixture("write-protect.yaml"),
      "--kernel",
      kernel,
      "--arch",
      arch,
      "--json",
    ]);
    expect(run.code).toBe(0);
    const wp = run.json<RunJson>().features.find((feature) => feature.name === "PAGEFAULT_FLAG_WP");
    expect(wp).toEqual({ name: "PAGEFAULT_FLAG_WP", wanted: "optional", enabled: false, reason });
  });

  it("requests only the first supported alternative of a oneOf group, and says so", async () => {
    const outcomes = async (kernel: string) =>
      (
        await runCli(["run", "--policy", fixture("one-of.yaml"), "--kernel", kernel, "--json"])
      ).json<RunJson>().features;
    const group = "one of WP_ASYNC | PAGEFAULT_FLAG_WP";
    expect(await outcomes("6.8")).toEqual(
      expect.arrayContaining([
        { name: "WP_ASYNC", wanted: group, enabled: true },
        {
          name: "PAGEFAULT_FLAG_WP",
          wanted: group,
          enabled: false,
          reason: "not requested: WP_ASYNC, preferred in its group, is enabled",
          preferred: "WP_ASYNC",
        },
        { name: "WP_UNPOPULATED", wanted: "implied by WP_ASYNC", enabled: true },
      ]),
    );
    expect(await outcomes("6.6")).toEqual(
      expect.arrayContaining([
        {
          name: "WP_ASYNC",
          wanted: group,
          enabled: false,
          reason: `not supported: added in ${featureDefinition("WP_ASYNC").since}`,
        },
        { name: "PAGEFAULT_FLAG_WP", wanted: group, enabled: true },
      ]),
    );
  });

  it("prints the strategy, the open mode and a feature table as text", async () => {
    const run = await runCli(["run", "--policy", POLICY, "--kernel", "6.8", "--root"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^backend\s+mock · 6\.8 · x86_64 — simulating root with CAP_SYS_PTRACE on 6\.8 \(x86_64\)$/m,
    );
    expect(run.stdout).toMatch(/^strategy\s+auto, route one-shot$/m);
    // The fd is closed when the command exits: its number would mean nothing.
    expect(run.stdout).toMatch(/^open\s+syscall: userfaultfd\(O_CLOEXEC\|O_NONBLOCK\)$/m);
    expect(run.stdout).not.toMatch(/\bfd \d/);
    expect(run.stdout).toMatch(
      /^ioctls\s+\{UFFDIO_REGISTER, UFFDIO_UNREGISTER, UFFDIO_API\} \(0x8000000000000003\)$/m,
    );
    expect(run.stdout).toMatch(/^FEATURE\s+WANTED\s+RESULT$/m);
    expect(run.stdout).toMatch(/^THREAD_ID\s+required\s+enabled$/m);
    expect(run.stdout).toMatch(/^WP_UNPOPULATED\s+implied by WP_ASYNC\s+enabled$/m);
  });

  it("--explain describes every call in words, including a refused one-shot request", async () => {
    const run = await runCli(["run", "--policy", POLICY, "--kernel", "5.10", "--explain"]);
    expect(run.code).toBe(0);
    const steps = run.stdout
      .slice(run.stdout.indexOf("\nsteps\n"))
      .split("\n")
      .filter((line) => /^\s*\d+\. /.test(line));
    expect(steps[0]).toBe(" 1. opened uffd #1 with userfaultfd(O_CLOEXEC|O_NONBLOCK)");
    expect(steps[1]).toMatch(
      /^ 2\. UFFDIO_API features=\{EVENT_FORK, .*MOVE\} on uffd #1 → EINVAL \(the kernel does not say which bit\)$/,
    );
    expect(steps[2]).toMatch(
      /^ 3\. UFFDIO_API features=0 \(probe\) on uffd #1 → ok; the kernel supports \{.*\} \(0x[0-9a-f]+\)$/,
    );
    expect(steps.at(-1)).toMatch(/^\s*\d+\. closed uffd #2$/);
    expect(steps.join("\n")).not.toMatch(/\bfd \d/);
  });

  it("exits 1 with the error, its cause and hint when the environment refuses (seccomp)", async () => {
    const run = await runCli([
      "run",
      "--policy",
      POLICY,
      "--kernel",
      "6.18",
      "--unprivileged",
      "--seccomp",
      "--explain",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: userfaultfd could not be created: /);
    // The cause is in the message (each refused mode with its cause), so not repeated under it.
    expect(run.stderr).toMatch(/^error: .*syscall: EPERM \(a seccomp filter/);
    expect(run.stderr).not.toMatch(/^ {2}cause:/m);
    expect(run.stderr).toMatch(/^ {2}hint: .*seccomp profile/m);
    expect(run.stderr).toContain(
      "tried to open a uffd with userfaultfd(UFFD_USER_MODE_ONLY|O_CLOEXEC|O_NONBLOCK) → EPERM",
    );
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it("--json on failure prints { ok: false, error } with the error's own fields, exit 1", async () => {
    const run = await runCli([
      "run",
      "--policy",
      fixture("newer-than-min-kernel.yaml"),
      "--kernel",
      "6.1.20",
      "--json",
    ]);
    expect(run.code).toBe(1);
    const failure = run.json<FailureJson>();
    expect(failure.ok).toBe(false);
    // 6.1.20 accepts unknown bits silently: MOVE is accepted but not enabled.
    expect(failure.error).toMatchObject({
      kind: "missing-required",
      missing: [{ name: "MOVE", since: featureDefinition("MOVE").since, reason: "dropped" }],
      kernelRelease: "6.1.20",
    });
  });

  it.each([
    [
      "an unknown feature",
      fixture("unknown-feature.yaml"),
      /features\.required\[0\]: unknown feature "THREAD_IDD"; did you mean THREAD_ID\?/,
    ],
    ["malformed YAML", MALFORMED_POLICY, /malformed\.yaml:4:3 .*YAML syntax/],
    ["a missing file", fixture("no-such-policy.yaml"), /cannot read .*no-such-policy\.yaml: no such file/],
  ])("exits 2 on %s, naming the file and position, without a stack", async (_what, file, message) => {
    const run = await runCli(["run", "--policy", file, "--kernel", "6.18"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    const json = await runCli(["run", "--policy", file, "--kernel", "6.18", "--json"]);
    expect(json.code).toBe(2);
    expect(json.json<FailureJson>().error.kind).toBe("invalid-policy");
  });
});

describe("negotiate run with a version 2 policy", () => {
  const AGENT = fixture("agent-v2.yaml");

  it("negotiates both sections on the mock: the userfaultfd table, then Landlock's rights and rules", async () => {
    const run = await runCli(["run", AGENT, "--backend", "mock", "--kernel", "6.1.0"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/MISSING_SHMEM\s+required\s+enabled/);
    expect(run.stdout).toMatch(/landlock\s+ABI 2/);
    expect(run.stdout).toMatch(/TRUNCATE\s+optional\s+unavailable: TRUNCATE needs Landlock ABI 3/);
    expect(run.stdout).toMatch(/port 8080\s+-\s+the rule for port 8080 is skipped/);
  });

  it("--json adds a landlock member with the coverage, each right and each rule", async () => {
    const run = await runCli(["run", AGENT, "--backend", "mock", "--kernel", "6.8.0", "--json"]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as {
      enabled: string[];
      landlock: {
        abi: number;
        coverage: string;
        rights: { name: string; status: string }[];
        rules: { added: boolean }[];
      };
    };
    expect(json.enabled).toContain("MISSING_SHMEM");
    expect(json.landlock).toMatchObject({ abi: 4, coverage: "partial" });
    // 6.8 lacks erratum 1 (TCP rights also hit other stream protocols until 6.15).
    expect(json.landlock.rights.find((right) => right.name === "BIND_TCP")?.status).toBe("degraded");
    expect(json.landlock.rights.find((right) => right.name === "SIGNAL")?.status).toBe("unavailable");
    expect(json.landlock.rules.map((rule) => rule.added)).toEqual([true, true]);
  });

  it("a required right the kernel lacks fails the run, naming the interface", async () => {
    const run = await runCli(["run", AGENT, "--backend", "mock", "--kernel", "5.10.0", "--json"]);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as FailureJson;
    expect(json.error).toMatchObject({ kind: "unsupported", interface: "landlock" });
  });
});

import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPolicy, policyToDocument } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { escapeValue } from "../src/terminal-text.js";
import { fixture, runCli, STACK_FRAME } from "./support/run-cli.js";

const ESC = String.fromCharCode(27);
const BEL = String.fromCharCode(7);
// Any control character but a newline, or a bidirectional override: what no output may carry raw.
const RAW_CONTROL = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(9)}${String.fromCharCode(11)}-${String.fromCharCode(31)}\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]`,
);

/** A host profile of root on an arm64 6.2.16 kernel, written to a file of its own. */
function rootProfile(): string {
  const profile = join(mkdtempSync(join(tmpdir(), "negotiate-cli-")), "host.json");
  writeFileSync(
    profile,
    JSON.stringify({
      format: "negotiate-host-profile",
      version: 1,
      capturedAt: "2025-01-01T00:00:00.000Z",
      kernel: { release: "6.2.16-custom", arch: "arm64" },
      privileges: { uid: 0, capSysPtrace: true, unprivilegedUserfaultfd: 0 },
      api: { supported: "0x3ff", ioctls: "0x8000000000000003" },
      openModes: { syscall: "ok", device: "ok", "user-mode-only": "ok" },
      eventFork: "ok",
    }),
  );
  return profile;
}

describe("the policy file", () => {
  const policy = fixture("lazy-restore.yaml");

  it.each([["run", "--kernel", "6.8"], ["matrix", "--kernels", "6.8"], ["check"], ["types"]])(
    "%s takes it as the argument, and --policy as an alias",
    async (command, ...flags) => {
      const positional = await runCli([command, policy, ...flags]);
      const alias = await runCli([command, "--policy", policy, ...flags]);
      expect(positional.code).toBe(0);
      expect(alias).toEqual({ ...positional, json: alias.json });
    },
  );

  it("two different files, or none, exit 2 with one line", async () => {
    const two = await runCli(["run", policy, "--policy", fixture("one-of.yaml"), "--kernel", "6.8"]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(
      /^error: two policy files given: ".*lazy-restore\.yaml" and --policy ".*one-of\.yaml"; give one\n$/,
    );
    const none = await runCli(["matrix", "--json"]);
    expect(none.code).toBe(2);
    expect(none.json()).toMatchObject({
      ok: false,
      error: { kind: "invalid-usage", code: "missing-policy" },
    });
  });
});

describe("--help", () => {
  it.each(["probe", "run", "check", "matrix", "types", "capture"])(
    "%s --help shows examples, exit codes and NO_COLOR",
    async (command) => {
      const help = await runCli([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`\\nExamples:\\n {2}\\$ negotiate ${command}\\b`));
      expect(help.stdout).toMatch(
        /\nExit codes:\n {2}0 {2}\S.*\n(?: {2}1 {2}\S.*\n)? {2}2 {2}invalid input.*\n {2}70 internal error/,
      );
      expect(help.stdout).toMatch(/\nEnvironment:\n {2}NO_COLOR {2}set and not empty: no colours/);
    },
  );

  it("run and matrix share the exit code rule: 0 satisfied, 1 not", async () => {
    const run = (await runCli(["run", "--help"])).stdout;
    const matrix = (await runCli(["matrix", "--help"])).stdout;
    expect(run).toMatch(/ {2}1 {2}the negotiation failed/);
    expect(matrix).toMatch(/ {2}1 {2}an architecture has no listed kernel that satisfies it \(as run's 1\)/);
    const unsatisfied = await runCli(["matrix", fixture("newer-than-min-kernel.yaml"), "--kernels", "5.15"]);
    expect(unsatisfied.code).toBe(
      (await runCli(["run", fixture("newer-than-min-kernel.yaml"), "--kernel", "5.15"])).code,
    );
  });
});

describe("--json", () => {
  it.each([
    [["probe", "--bogus", "--json"], "commander.unknownOption", /unknown option '--bogus'/],
    [["bogus", "--json"], "commander.unknownCommand", /unknown command 'bogus'/],
    [["run", "--json", "--kernel"], "commander.optionMissingArgument", /argument missing/],
  ])(
    "prints a usage error %j as a JSON error object, exit 2, nothing on stderr",
    async (argv, code, message) => {
      const run = await runCli(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe("");
      const error = run.json<{ ok: boolean; error: { kind: string; code: string; message: string } }>();
      expect(error).toMatchObject({ ok: false, error: { kind: "invalid-usage", code } });
      expect(error.error.message).toMatch(message);
    },
  );

  it("prints an internal error as a JSON error object, exit 70", async () => {
    let calls = 0;
    const out: string[] = [];
    const io = {
      stdout: {
        write: (text: string) => {
          calls += 1;
          if (calls === 1) throw new TypeError("first write fails\nsecond line");
          out.push(text);
        },
      },
      stderr: { write: () => {} },
      env: {},
    };
    expect(await main(["probe", "--kernel", "6.18", "--json"], io)).toBe(70);
    expect(JSON.parse(out.join(""))).toEqual({
      ok: false,
      error: { kind: "internal", message: "TypeError: first write fails" },
    });
  });
});

describe("terminal output", () => {
  const dir = mkdtempSync(join(tmpdir(), "negotiate-cli-"));
  // A file name is anything but `/` and NUL: here an OSC that retitles the window, an SGR and a fake line.
  const hostile = join(dir, `${ESC}]0;owned${BEL}${ESC}[2J\nnegotiated: 17 features enabled.yaml`);
  copyFileSync(fixture("lazy-restore.yaml"), hostile);

  it.each([
    ["run", ["run", hostile, "--kernel", "6.8"]],
    ["a bad flag value", ["run", hostile, "--kernel", `6.8${ESC}]0;x${BEL}`]],
    ["check", ["check", hostile, join(dir, `missing${ESC}[31m.yaml`)]],
    ["matrix", ["matrix", hostile, "--kernels", `6.8,6${ESC}]0;x${BEL}`]],
    ["an unknown option", ["probe", `--${ESC}]0;x${BEL}`]],
  ])("%s escapes every control character of the values it prints", async (_what, argv) => {
    for (const tty of [false, true]) {
      const run = await runCli(argv, { tty, env: {} });
      const text = `${run.stdout}${run.stderr}`;
      // On a terminal only the CLI's own colours remain; no value adds a line.
      expect(text.replace(new RegExp(`${ESC}\\[\\d+m`, "g"), "")).not.toMatch(RAW_CONTROL);
      expect(text).not.toMatch(/^negotiated: 17/m);
      expect(text).toMatch(/\\u001b/);
    }
  });

  it("escapes values as JSON does, so that --json documents stay equal", () => {
    expect(escapeValue(`a${ESC}[31mb\nc\u202ed\u009be`)).toBe("a\\u001b[31mb\\nc\\u202ed\\u009be");
    expect(JSON.parse(`"${escapeValue(`x${ESC}\u009b\u2066y`)}"`)).toBe(`x${ESC}\u009b\u2066y`);
  });
});

describe("messages", () => {
  it("an unknown feature's suggestion is said once", async () => {
    const run = await runCli(["run", fixture("unknown-feature.yaml"), "--kernel", "6.18"]);
    expect(run.code).toBe(2);
    expect(run.stderr.match(/did you mean/g)).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\(expected: THREAD_ID\)/);
  });

  it("a missing file is one line, not an invalid policy with one problem", async () => {
    const missing = fixture("no-such-policy.yaml");
    const check = await runCli(["check", missing]);
    expect(check.code).toBe(2);
    expect(check.stdout).toBe(`cannot read ${missing}: no such file\n`);
    const run = await runCli(["run", missing, "--kernel", "6.8"]);
    expect(run.stderr).toBe(`error: cannot read ${missing}: no such file\n`);
  });

  it("a refusal's cause is not repeated under its message", async () => {
    const run = await runCli([
      "run",
      fixture("lazy-restore.yaml"),
      "--kernel",
      "6.18",
      "--unprivileged",
      "--seccomp",
    ]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^error: userfaultfd could not be created: syscall: EPERM \(a seccomp filter/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}hint: a seccomp filter or LSM refuses/),
      expect.stringMatching(/^simulating uid≠0 without CAP_SYS_PTRACE under a seccomp filter on 6\.18/),
    ]);
  });

  it("check --strict says which warnings failed it", async () => {
    const file = fixture("newer-than-min-kernel.yaml");
    const run = await runCli(["check", file, fixture("one-of.yaml"), "--strict"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`${file} (needs-move): fails --strict: 1 warning`);
    expect(run.stdout).toMatch(
      new RegExp(
        `\\n--strict: failed on the warnings of ${file.replace(/[.]/g, "\\.")} \\(features\\.required\\[0\\]\\)\\n$`,
      ),
    );
  });
});

describe("probe", () => {
  it("when no open mode works, prints the feature table and why each mode failed, then exits 1", async () => {
    const run = await runCli(["probe", "--kernel", "6.18", "--unprivileged", "--seccomp"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^supported\s+unknown: no open mode works for this caller$/m);
    expect(run.stdout).toMatch(/^MOVE\s+16\s+unknown\s+6\.8\s/m);
    expect(run.stdout).toMatch(/^syscall\s+no\s+EPERM: a seccomp filter/m);
    expect(run.stdout).toMatch(/^device\s+no\s+EACCES: \/dev\/userfaultfd is not readable/m);
    expect(run.stdout).toMatch(/^user-mode-only\s+no\s+EPERM/m);
    expect(run.stderr).toMatch(
      /^error: no open mode works for this caller \(see OPEN MODE above\)\nsimulating uid≠0 /,
    );
    const json = await runCli(["probe", "--kernel", "6.18", "--unprivileged", "--seccomp", "--json"]);
    expect(json.json()).toMatchObject({
      ok: false,
      error: { kind: "permission-denied" },
      features: expect.arrayContaining([expect.objectContaining({ name: "MOVE", supported: null })]),
      openModes: [
        { mode: "syscall", ok: false },
        { mode: "device", ok: false },
        { mode: "user-mode-only", ok: false },
      ],
    });
  });

  it("marks EVENT_FORK as needing CAP_SYS_PTRACE only for a caller without it, and names the ioctls", async () => {
    const unprivileged = await runCli(["probe", "--kernel", "6.18", "--unprivileged"]);
    expect(unprivileged.stdout).toMatch(/^EVENT_FORK\s+1\s+needs CAP_SYS_PTRACE\s+4\.11\s/m);
    expect(unprivileged.stdout).toMatch(
      /^ioctls\s+\{UFFDIO_REGISTER, UFFDIO_UNREGISTER, UFFDIO_API\} \(0x8000000000000003\)$/m,
    );
    // A captured root host, so that the caller's privileges do not depend on the mock's default.
    const root = await runCli(["probe", "--profile", rootProfile()]);
    expect(root.stdout).toMatch(/^EVENT_FORK\s+1\s+yes\s+4\.11\s/m);
    const json = await runCli(["probe", "--kernel", "6.18", "--unprivileged", "--json"]);
    expect(
      json.json<{ features: { name: string }[] }>().features.find((f) => f.name === "EVENT_FORK"),
    ).toMatchObject({ supported: true, granted: false });
  });
});

describe("run", () => {
  const preset = fixture("from-preset.yaml");

  it("lists forbidden features, says where inherited settings came from, and gives one warning per cause", async () => {
    const run = await runCli(["run", preset, "--kernel", "6.8", "--unprivileged", "--sysctl", "1"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^strategy\s+probe \(from preset:lazy-restore\), route probe$/m);
    expect(run.stdout).toMatch(
      /^inherited\s+onMissingOptional warn \(from preset:lazy-restore\), userModeOnly forbid \(from preset:lazy-restore\)$/m,
    );
    expect(run.stdout).toMatch(/^EVENT_REMAP\s+forbidden\s+not requested: the policy forbids it$/m);
    expect(run.stdout).toMatch(/^EVENT_FORK\s+optional\s+missing: needs CAP_SYS_PTRACE/m);
    const warnings = run.stdout.slice(run.stdout.indexOf("\nwarnings\n")).trim().split("\n").slice(1);
    expect(warnings).toEqual([
      "  - EVENT_FORK needs CAP_SYS_PTRACE, which this process lacks: requested without it",
    ]);
  });

  it("names the profile file it replays", async () => {
    const profile = rootProfile();
    const run = await runCli(["run", fixture("lazy-restore.yaml"), "--profile", profile]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(
      /^backend\s+mock · 6\.2\.16-custom · arm64 — simulating uid 0 with CAP_SYS_PTRACE/m,
    );
    expect(run.stdout).toContain(`\nprofile   ${profile} (replayed)\n`);
  });
});

describe("types", () => {
  it("prints a definePolicy module whose policy equals the file's", async () => {
    const file = fixture("from-preset.yaml");
    const run = await runCli(["types", file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\/\/ Generated by `negotiate types .*from-preset\.yaml`/);
    expect(run.stdout).toContain('import { definePolicy } from "@negotiate/core";');
    // Written inside the workspace, so that the module finds @negotiate/core.
    const out = join(
      new URL("../../../node_modules/.cache/", import.meta.url).pathname,
      `types-${process.pid}`,
    );
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "policy.gen.ts"), run.stdout);
    const generated = (await import(join(out, "policy.gen.ts"))) as { policy: ReturnType<typeof loadPolicy> };
    expect(policyToDocument(generated.policy._unsafeUnwrap())).toEqual(
      policyToDocument(loadPolicy(file)._unsafeUnwrap()),
    );
  });

  it("keeps a file name inside its comment: no line terminator of it reaches the code", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "negotiate-cli-")), "a\u2028process.exit(1)\n.yaml");
    copyFileSync(fixture("one-of.yaml"), file);
    const run = await runCli(["types", file]);
    expect(run.code).toBe(0);
    const [comment] = run.stdout.split("\n");
    expect(comment).toContain("a\\u2028process.exit(1)\\n.yaml");
    expect(run.stdout).not.toMatch(/[\u2028\u2029]/);
  });

  it("exits 2 on an invalid policy, without a stack", async () => {
    const run = await runCli(["types", fixture("unknown-feature.yaml")]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});

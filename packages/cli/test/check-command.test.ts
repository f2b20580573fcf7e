import { describe, expect, it } from "vitest";
import { fixture, MALFORMED_POLICY, runCli, STACK_FRAME } from "./support/run-cli.js";

interface CheckJson {
  ok: boolean;
  files: {
    file: string;
    valid: boolean;
    name?: string;
    sections?: { userfaultfd?: { required: string[] }; landlock?: { required: string[]; rules: number } };
    errors: { path: string; line?: number }[];
    warnings: { path: string; message: string }[];
  }[];
}

describe("negotiate check", () => {
  it("passes a valid policy (exit 0) and names it", async () => {
    const run = await runCli(["check", fixture("lazy-restore.yaml")]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${fixture("lazy-restore.yaml")} (lazy-restore): valid\n`);
  });

  it("reports every file, with each problem's position, and exits 2 when one is invalid", async () => {
    const files = [fixture("lazy-restore.yaml"), fixture("unknown-feature.yaml"), MALFORMED_POLICY];
    const run = await runCli(["check", ...files]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      `${files[1]}: invalid, 1 problem\n    ${files[1]}:3:14 features.required[0]: unknown feature "THREAD_IDD"`,
    );
    expect(run.stdout).toContain(`${files[2]}: invalid, 1 problem\n    ${files[2]}:4:3 `);
    expect(run.stdout).not.toMatch(STACK_FRAME);
  });

  it("lints a valid policy: warnings do not fail the check unless --strict", async () => {
    const file = fixture("newer-than-min-kernel.yaml");
    const run = await runCli(["check", file, "--json"]);
    expect(run.code).toBe(0);
    const [result] = run.json<CheckJson>().files;
    expect(result).toMatchObject({ file, valid: true, name: "needs-move", errors: [] });
    expect(result?.warnings).toHaveLength(1);
    expect(result?.warnings[0]).toMatchObject({ path: "features.required[0]" });
    expect(result?.warnings[0]?.message).toContain("after minKernel 5.15");
    const strict = await runCli(["check", file, "--strict", "--json"]);
    expect(strict.code).toBe(2);
    expect(strict.json<CheckJson>().ok).toBe(false);
  });

  it("--json reports an unreadable file as an invalid one", async () => {
    const run = await runCli(["check", fixture("no-such-policy.yaml"), "--json"]);
    expect(run.code).toBe(2);
    const [result] = run.json<CheckJson>().files;
    expect(result?.valid).toBe(false);
    expect(result?.errors).toHaveLength(1);
  });

  it("validates a version 2 policy and prints both of its sections", async () => {
    const file = fixture("agent-v2.yaml");
    const run = await runCli(["check", file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        `${file} (agent): valid`,
        "  userfaultfd  required MISSING_SHMEM; optional THREAD_ID; strategy probe",
        "  landlock     required READ_FILE, READ_DIR; optional TRUNCATE, BIND_TCP, SIGNAL; 2 rules; unavailable fail; threads warn; strategy probe",
        "",
      ].join("\n"),
    );
    const json = await runCli(["check", file, "--json"]);
    expect(json.json<CheckJson>().files[0]?.sections).toMatchObject({
      userfaultfd: { required: ["MISSING_SHMEM"] },
      landlock: { required: ["READ_FILE", "READ_DIR"], rules: 2 },
    });
  });

  it("reports a problem deep in a version 2 policy's rules with its position", async () => {
    const file = fixture("bad-rule-v2.yaml");
    const run = await runCli(["check", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe(
      `${file}: invalid, 1 problem\n    ${file}:8:40 landlock.rules[3].allow[1]: BIND_TCP is a net right: a path rule takes fs rights only (expected: EXECUTE, WRITE_FILE, READ_FILE, READ_DIR, REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM, REFER, TRUNCATE, IOCTL_DEV, RESOLVE_UNIX)\n`,
    );
  });
});

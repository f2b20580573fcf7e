import { describe, expect, it } from "vitest";
import { fixture, MALFORMED_POLICY, runCli, STACK_FRAME } from "./support/run-cli.js";

interface CheckJson {
  ok: boolean;
  files: {
    file: string;
    valid: boolean;
    name?: string;
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
});

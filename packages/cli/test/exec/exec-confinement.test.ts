import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { landlockBackend } from "../../../linux/src/index.js";
import { CHILD_TIMEOUT_MS, ConfinementWorld } from "../../../linux/test/landlock/confinement-world.js";
import { runFixtureProcess } from "../../../linux/test/support/child.js";

const abi = landlockBackend().andThen((port) => port.abiVersion());
const fixture = new URL("./exec-child.ts", import.meta.url);
// What sh needs to start: its binary and libraries (EXECUTE, READ_FILE); /lib64 may be absent (skipped, warned).
const SYSTEM = ["/usr", "/bin", "/lib", "/lib64", "/etc"].map((path) => ({
  path,
  allow: ["READ_FILE", "READ_DIR", "EXECUTE"],
}));
const WHO = [
  ["root", false],
  ["uid 65534", true],
] as const;

describe.runIf(abi.isOk() && abi.value >= 1)(
  "negotiate exec confines the command it runs (in children)",
  () => {
    const world = new ConfinementWorld();
    beforeAll(() => world.start());
    afterAll(() => world.stop());

    type Setup = Awaited<ReturnType<ConfinementWorld["setup"]>>;
    const exec = async (
      name: string,
      unprivileged: boolean,
      flags: (setup: Setup) => string[],
      command: (setup: Setup) => string[],
    ) => {
      const setup = await world.setup(name, unprivileged);
      // A version 2 policy file, read by the CLI before it confines anything.
      const policy = join(dirname(setup.allowedDir), "policy.json");
      const landlock = {
        required: ["READ_FILE", "READ_DIR", "EXECUTE", "WRITE_FILE", "MAKE_REG"],
        rules: [...SYSTEM, { path: setup.allowedDir, allow: ["READ_FILE", "READ_DIR"] }],
      };
      writeFileSync(policy, JSON.stringify({ version: 2, landlock }));
      const argv = ["exec", "--policy", policy, ...flags(setup), "--", ...command(setup)];
      return { setup, child: runFixtureProcess(fixture, { unprivileged, input: JSON.stringify({ argv }) }) };
    };
    const sh = (script: string) => (setup: Setup) => [
      "sh",
      "-c",
      script,
      "sh",
      setup.allowedFile,
      setup.deniedFile,
      setup.allowedDir,
    ];

    it.each(WHO)(
      "as %s: sh -c 'cat allowed; cat denied' reads the first, gets EACCES for the second, cannot write; its exit code passes through",
      async (_who, unprivileged) => {
        const script =
          'cat "$1"; cat "$2" || echo "denied $?"; echo x > "$3/new" || echo "write denied"; exit 3';
        const { child } = await exec(`exec-${unprivileged}`, unprivileged, () => [], sh(script));
        expect(child.status).toBe(3);
        expect(child.stdout).toBe("contentdenied 1\nwrite denied\n");
        expect(child.stderr).toMatch(/secret\.txt: Permission denied/);
        expect(child.stderr).toMatch(/new: Permission denied/);
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      "writes the per-right report to --json-report, opened before the sandbox forbids writing there; stdout stays the command's",
      async () => {
        const reportOf = (setup: Setup) => join(dirname(setup.allowedDir), "report.json");
        const { setup, child } = await exec(
          "exec-report",
          true,
          (setup) => ["--json-report", reportOf(setup)],
          (setup) => ["sh", "-c", 'cat "$1"', "sh", setup.allowedFile],
        );
        const report = reportOf(setup);
        expect(child).toMatchObject({ status: 0, stdout: "content" });
        const written = JSON.parse(readFileSync(report, "utf8"));
        expect(written).toMatchObject({
          ok: true,
          coverage: "full",
          enforcement: { restricted: true, allThreads: false },
        });
        expect(written.enforcement.threads).toBeGreaterThan(1);
        expect(written.rules.filter((rule: { added: boolean }) => rule.added).length).toBeGreaterThanOrEqual(
          3,
        );
      },
      CHILD_TIMEOUT_MS,
    );

    it(
      "with --json (or --report-fd 2) the report goes to stderr; a program the sandbox may not execute exits 126, one not found 127",
      async () => {
        const denied = await exec(
          "exec-126",
          false,
          () => ["--json"],
          (setup) => {
            const program = join(setup.allowedDir, "true");
            copyFileSync("/bin/true", program);
            chmodSync(program, 0o755);
            return [program];
          },
        );
        // Executable by its mode, but EXECUTE is not allowed beneath the folder.
        expect(denied.child.status).toBe(126);
        expect(denied.child.stderr).toMatch(/"coverage": "full"/);
        expect(denied.child.stderr).toMatch(/cannot run it \(EACCES\)/);
        const toFd = await exec(
          "exec-fd",
          false,
          () => ["--report-fd", "2"],
          () => ["true"],
        );
        expect(toFd.child.status).toBe(0);
        expect(JSON.parse(toFd.child.stderr)).toMatchObject({ ok: true, command: ["true"] });
        const missing = await exec(
          "exec-127",
          false,
          () => [],
          () => ["negotiate-no-such-command"],
        );
        expect(missing.child.status).toBe(127);
        expect(missing.child.stderr).toMatch(/command not found \(ENOENT\)/);
      },
      CHILD_TIMEOUT_MS,
    );
  },
);

describe.runIf(!(abi.isOk() && abi.value >= 1))("negotiate exec", () => {
  it.skip("skipped: needs Landlock", () => {});
});

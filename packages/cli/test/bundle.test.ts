import { execFile, spawn } from "node:child_process";
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Script } from "node:vm";
import { catalogue } from "@negotiate/core";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliCommand } from "../../../tsup.config.js";
import { readableFolder, UNPRIVILEGED } from "../../linux/test/support/child.js";
import { compileProgram, wrapProgram } from "../src/program-script.js";
import { ANSI, fixture, MALFORMED_POLICY, STACK_FRAME } from "./support/run-cli.js";

// End to end: the CLI bundle exactly as the root tsup config builds it, run as its own process.
const root = new URL("../../../", import.meta.url).pathname;
const cache = join(root, "node_modules", ".cache");
let dist = "";

beforeAll(async () => {
  mkdirSync(cache, { recursive: true });
  // Inside the workspace, so that the bundle finds koffi as the installed package does.
  dist = mkdtempSync(join(cache, "negotiate-cli-"));
  await build({ ...cliCommand(dist), silent: true, config: false });
}, 30_000);
afterAll(() => rmSync(dist, { recursive: true, force: true }));

// Reports on stderr whether koffi (its entry or its native module) was loaded: only for the Linux backend.
const KOFFI_PROBE = `data:text/javascript,${encodeURIComponent(
  'import { createRequire } from "node:module"; const require = createRequire("/"); process.on("exit", () => { if (Object.keys(require.cache).some((path) => /[\\\\/]koffi(-[\\w-]+)?[\\\\/]/.test(path))) process.stderr.write("[koffi loaded]\\n"); });',
)}`;

// Makes stdout a non-blocking pipe, as it is when another process sharing it made it one (Node creating its stream
// does), and says once on stderr when a write to it failed with EAGAIN: the pipe was full.
const PIPE_FULL = "[stdout full]\n";
const FULL_PIPE_PROBE = `data:text/javascript,${encodeURIComponent(
  `import fs from "node:fs"; process.stdout; const writeSync = fs.writeSync; let told = false; fs.writeSync = (fd, ...rest) => { try { return writeSync(fd, ...rest); } catch (error) { if (fd === 1 && error.code === "EAGAIN" && !told) { told = true; writeSync(2, ${JSON.stringify(PIPE_FULL)}); } throw error; } };`,
)}`;

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function negotiate(
  args: readonly string[],
  env: Record<string, string> = {},
  bundle = dist,
): Promise<Outcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", KOFFI_PROBE, join(bundle, "bin.cjs"), ...args],
      {
        env: { PATH: process.env.PATH ?? "", ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("the built negotiate bundle", () => {
  it("probes a simulated kernel without loading koffi", async () => {
    const run = await negotiate(["probe", "--backend", "mock", "--kernel", "6.18", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).supported).toEqual(catalogue.map((entry) => entry.name));
    expect(run.stderr).toBe("");
  });

  it.runIf(process.platform === "linux")("negotiates with this machine's kernel through koffi", async () => {
    const run = await negotiate(["run", "--policy", fixture("lazy-restore.yaml"), "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, backend: { name: "linux" } });
    expect(run.stderr).toBe("[koffi loaded]\n");
  });

  const canDropPrivileges = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
  it.runIf(canDropPrivileges)(
    "as an unprivileged user, says which open modes this kernel refuses and why",
    async () => {
      // A copy the unprivileged user can read wherever the checkout is (inside a 0700 folder it cannot).
      const readable = readableFolder();
      cpSync(dist, readable.path, { recursive: true });
      const { stdout } = await promisify(execFile)(
        UNPRIVILEGED[0]!,
        [...UNPRIVILEGED.slice(1), process.execPath, join(readable.path, "bin.cjs"), "probe", "--json"],
        { env: { PATH: process.env.PATH ?? "" } },
      ).finally(readable.remove);
      const sysctl = Number.parseInt(readFileSync("/proc/sys/vm/unprivileged_userfaultfd", "utf8"), 10);
      const modes = JSON.parse(stdout).openModes as {
        mode: string;
        ok: boolean;
        errno?: string;
        cause?: { kind: string };
      }[];
      expect(modes.find((mode) => mode.mode === "user-mode-only")).toEqual({
        mode: "user-mode-only",
        ok: true,
      });
      // The machine's own settings decide: sysctl 0 refuses userfaultfd(2); the device node is root's, mode 0600.
      expect(modes[0]).toMatchObject(
        sysctl === 0
          ? { mode: "syscall", ok: false, errno: "EPERM", cause: { kind: "sysctl", value: 0 } }
          : { mode: "syscall", ok: true },
      );
      expect(modes[1]).toMatchObject(
        existsSync("/dev/userfaultfd")
          ? { mode: "device", ok: false, errno: "EACCES", cause: { kind: "device-permissions" } }
          : { mode: "device", ok: false, errno: "ENOENT" },
      );
    },
  );

  it.each([
    ["a bad flag value", ["probe", "--kernel", "7.x"], 2, /^error: --kernel "7\.x" is invalid/],
    ["an unknown option", ["probe", "--kernal", "6.1"], 2, /^error: unknown option '--kernal'/],
    [
      "an unknown feature",
      ["run", "--policy", fixture("unknown-feature.yaml"), "--kernel", "6.18"],
      2,
      /unknown feature "THREAD_IDD"/,
    ],
    ["malformed YAML", ["run", "--policy", MALFORMED_POLICY, "--kernel", "6.18"], 2, /YAML syntax/],
    ["a missing policy file", ["check", fixture("no-such-policy.yaml")], 2, /no such file/],
    [
      "a kernel without the feature",
      ["run", "--policy", fixture("newer-than-min-kernel.yaml"), "--kernel", "5.15"],
      1,
      /^error: kernel 5\.15 does not provide required MOVE/,
    ],
  ])("exits with its code and no stack trace on %s", async (_what, args, code, message) => {
    const run = await negotiate(args);
    expect(run.code).toBe(code);
    expect(`${run.stdout}${run.stderr}`).toMatch(message);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(STACK_FRAME);
  });

  it("exits quietly with its own code when the reader of its output went away (EPIPE)", async () => {
    const child = spawn(process.execPath, [join(dist, "bin.cjs"), "probe", "--kernel", "6.18"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The read end is closed long before the command (~70 ms to start) writes anything.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  });

  // A command whose output cannot be written still exits with its own code: a failure stays a failure.
  const exitWithStdout = async (args: readonly string[], stdout: "closed-pipe" | number) => {
    const child = spawn(process.execPath, [join(dist, "bin.cjs"), ...args], {
      stdio: ["ignore", stdout === "closed-pipe" ? "pipe" : stdout, "pipe"],
    });
    child.stdout?.destroy();
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    return { code, stderr };
  };
  const failingRun = ["run", fixture("newer-than-min-kernel.yaml"), "--kernel", "5.15", "--json"];

  it("keeps a failed run's exit code when its --json output goes to a closed pipe", async () => {
    expect(await exitWithStdout(failingRun, "closed-pipe")).toEqual({ code: 1, stderr: "" });
  });

  it.runIf(existsSync("/dev/full"))(
    "keeps its exit code when stdout is /dev/full, and says it could not write",
    async () => {
      const full = openSync("/dev/full", "w");
      try {
        const failed = await exitWithStdout(failingRun, full);
        expect(failed.code).toBe(1);
        expect(failed.stderr).toBe(
          "negotiate: cannot write to stdout: ENOSPC; the exit code is the command's own\n",
        );
        const invalid = await exitWithStdout(
          ["run", fixture("unknown-feature.yaml"), "--kernel", "6.8", "--json"],
          full,
        );
        expect(invalid.code).toBe(2);
        const succeeded = await exitWithStdout(["probe", "--kernel", "6.18"], full);
        expect(succeeded.code).toBe(0);
      } finally {
        closeSync(full);
      }
    },
  );

  it("writes all of an output larger than its pipe holds when the pipe is non-blocking and read late", async () => {
    // 200 releases on two architectures with Landlock columns: ~0.6 MB of JSON, more than a socket pair holds.
    const kernels = [5, 6].flatMap((major) =>
      Array.from({ length: 100 }, (_, index) => `${major}.${index % 20}.${Math.floor(index / 20)}`),
    );
    const args = [
      ...["matrix", fixture("lazy-restore.yaml"), "--json", "--kernels", kernels.join(",")],
      ...["--arch", "x86_64,arm64", "--landlock"],
    ];
    const file = join(dist, "matrix.json");
    const fileFd = openSync(file, "w");
    try {
      await exitWithStdout(args, fileFd);
    } finally {
      closeSync(fileFd);
    }
    const whole = readFileSync(file, "utf8");

    const child = spawn(process.execPath, ["--import", FULL_PIPE_PROBE, join(dist, "bin.cjs"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Nothing is read from stdout until the command has found its pipe full, so that its early exit must wait.
    const chunks: Buffer[] = [];
    let stderr = "";
    let reading = false;
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (reading || !stderr.includes(PIPE_FULL)) return;
      reading = true;
      child.stdout.on("data", (data: Buffer) => chunks.push(data));
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    const written = Buffer.concat(chunks).toString("utf8");
    expect({ code, stderr, bytes: written.length }).toEqual({
      code: 0,
      stderr: PIPE_FULL,
      bytes: whole.length,
    });
    expect(written === whole).toBe(true);
  });

  it("prints plain text to a pipe, colours to a terminal unless NO_COLOR is set", async () => {
    const piped = await negotiate(["probe", "--kernel", "6.18"]);
    expect(piped.stdout).toMatch(/^MOVE\s+16\s+yes\s+6\.8\s/m);
    expect(piped.stdout).not.toMatch(ANSI);
    // `script` gives the bundle a pseudo-terminal as stdout.
    const command = `${process.execPath} ${join(dist, "bin.cjs")} probe --kernel 6.18`;
    const tty = await promisify(execFile)("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(tty.stdout).toContain(`${String.fromCharCode(27)}[32myes`);
    const noColor = await promisify(execFile)("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    });
    expect(noColor.stdout).toMatch(/MOVE\s+16\s+yes/);
    expect(noColor.stdout).not.toMatch(ANSI);
  });

  it("writes the program as its module wrapper's function, in ASCII (read as latin1 it is the UTF-8 text)", () => {
    const program = readFileSync(join(dist, "cli.cjs"));
    expect(program.toString("latin1")).toBe(program.toString("utf8"));
    expect(program.toString("latin1")).toMatch(
      /^\(function \(exports, require, module, __filename, __dirname\) \{/,
    );
    expect(() => wrapProgram('console.log("größer");')).toThrow(/not ASCII: "ö" at 15/);
  });

  it("starts from a code cache the build made and this Node accepts", () => {
    const script = compileProgram(join(dist, "cli.cjs"), join(dist, "cli.code-cache"));
    expect(script.cachedDataRejected).toBe(false);
  });

  it("runs as well with a cache this Node rejects, or none, and never writes one itself", async () => {
    const copy = mkdtempSync(join(cache, "negotiate-cli-"));
    cpSync(dist, copy, { recursive: true });
    try {
      const args = ["probe", "--backend", "mock", "--kernel", "6.18", "--json"];
      const expected = (await negotiate(args)).stdout;
      const garbage = Buffer.from("not a V8 code cache");
      writeFileSync(join(copy, "cli.code-cache"), garbage);
      const rejected = await negotiate(args, {}, copy);
      expect(rejected).toEqual({ code: 0, stdout: expected, stderr: "" });
      expect(readFileSync(join(copy, "cli.code-cache"))).toEqual(garbage);
      rmSync(join(copy, "cli.code-cache"));
      const files = readdirSync(copy).sort();
      const none = await negotiate(args, {}, copy);
      expect(none).toEqual({ code: 0, stdout: expected, stderr: "" });
      expect(readdirSync(copy).sort()).toEqual(files);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("runs the same when its cache cannot be read (a directory in its place)", async () => {
    const copy = mkdtempSync(join(cache, "negotiate-cli-"));
    cpSync(dist, copy, { recursive: true });
    try {
      rmSync(join(copy, "cli.code-cache"));
      mkdirSync(join(copy, "cli.code-cache"));
      expect(compileProgram(join(copy, "cli.cjs"), join(copy, "cli.code-cache")).cachedDataRejected).toBe(
        undefined,
      );
      const args = ["probe", "--backend", "mock", "--kernel", "6.18", "--json"];
      expect(await negotiate(args, {}, copy)).toEqual(await negotiate(args));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each([
    ["a cache V8 made for another source", () => new Script("0").createCachedData()],
    ["a truncated cache", () => readFileSync(join(dist, "cli.code-cache")).subarray(0, 4096)],
  ])("rejects %s and runs the same", async (_what, cacheOf) => {
    const copy = mkdtempSync(join(cache, "negotiate-cli-"));
    cpSync(dist, copy, { recursive: true });
    try {
      writeFileSync(join(copy, "cli.code-cache"), cacheOf());
      expect(compileProgram(join(copy, "cli.cjs"), join(copy, "cli.code-cache")).cachedDataRejected).toBe(
        true,
      );
      const args = ["probe", "--backend", "mock", "--kernel", "6.18", "--json"];
      const expected = await negotiate(args);
      expect(await negotiate(args, {}, copy)).toEqual(expected);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  // Reports on stderr which of the bundle's own files a run required.
  const BUNDLE_FILES = `data:text/javascript,${encodeURIComponent(
    'import { createRequire } from "node:module"; const require = createRequire("/"); process.on("exit", () => process.stderr.write(JSON.stringify(Object.keys(require.cache).map((path) => path.split("/").pop())) + "\\n"));',
  )}`;
  const requiredFiles = async (args: readonly string[]) => {
    const { stderr } = await promisify(execFile)(process.execPath, [
      "--import",
      BUNDLE_FILES,
      join(dist, "bin.cjs"),
      ...args,
    ]).catch((error: { stderr: string }) => error);
    return JSON.parse(stderr.trim().split("\n").pop()!) as string[];
  };

  it("reads the YAML parser and the codec library only for a command that parses a policy", async () => {
    const probe = await requiredFiles(["probe", "--backend", "mock", "--kernel", "6.18"]);
    expect(probe).toContain("bin.cjs");
    expect(probe).not.toContain("yaml.cjs");
    expect(probe).not.toContain("io-ts.cjs");
    expect(await requiredFiles(["--help"])).not.toContain("yaml.cjs");
    const run = await requiredFiles(["run", fixture("lazy-restore.yaml"), "--backend", "mock"]);
    expect(run).toContain("yaml.cjs");
    const profile = join(root, "examples", "app", "test", "fixtures", "linux-6.18-x86_64-root.json");
    expect(await requiredFiles(["probe", "--profile", profile])).toContain("io-ts.cjs");
  });

  it("where koffi cannot load, says the real kernel cannot be used and how to use the mock", async () => {
    // A copy outside the workspace finds no koffi, as on a system without the native module.
    const away = mkdtempSync(join(tmpdir(), "negotiate-cli-"));
    cpSync(dist, away, { recursive: true });
    try {
      const run = await negotiate(["run", "--policy", fixture("lazy-restore.yaml")], {}, away);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: the Linux backend is unavailable: koffi could not bind libc/);
      expect(run.stderr).toContain(
        `simulate one instead: negotiate run ${fixture("lazy-restore.yaml")} --backend mock`,
      );
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.stderr).not.toContain("Require stack");
    } finally {
      rmSync(away, { recursive: true, force: true });
    }
  });
});

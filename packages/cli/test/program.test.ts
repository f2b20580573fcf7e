import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeHostProfile, type HostProfile } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { realKernelHint } from "../src/backend-selection.js";
import { main } from "../src/main.js";
import { ANSI, fixture, runCli, STACK_FRAME } from "./support/run-cli.js";

const COMMANDS = ["probe", "run", "check", "matrix", "capture", "exec"] as const;

describe("the negotiate program", () => {
  it.each(COMMANDS)("%s --help prints its usage and exits 0", async (command) => {
    const run = await runCli([command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: negotiate ${command} `));
    expect(run.stdout).toContain("--json");
  });

  it("--help lists every command, --version prints the package version", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^ {2}${command} `, "m"));
    const version = await runCli(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  });

  // Each command's options are set up only when it runs or a help shows it: every help must still list them.
  it("--help lists each command's options and arguments; help COMMAND and COMMAND --help are one text", async () => {
    const help = await runCli(["--help"]);
    for (const term of [
      "probe [options]",
      "run [options] [file]",
      "check [options] [file...]",
      "exec [options] <command...>",
    ])
      expect(help.stdout).toMatch(new RegExp(`^ {2}${term.replace(/[[\].]/g, "\\$&")} `, "m"));
    expect((await runCli(["--help", "probe"])).stdout).toBe(help.stdout);
    for (const command of COMMANDS) {
      const shown = await runCli(["help", command]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toBe((await runCli([command, "--help"])).stdout);
      expect(shown.stdout).toContain("Exit codes:");
    }
    expect((await runCli(["help", "probe"])).stdout).toMatch(/^ {2}--kernel <release> /m);
  });

  it.each([
    [["probe", "--bogus"], /^error: unknown option '--bogus'$/m],
    [["bogus"], /^error: unknown command 'bogus'$/m],
    [
      ["run"],
      /^error: missing the policy file: give it as the argument \(negotiate run policy\.yaml\) or with --policy$/m,
    ],
    [["check"], /^error: missing the policy files: give them as arguments/m],
  ])("usage error %j exits 2 with a one-line message", async (argv, message) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it("colours only a terminal, and never with NO_COLOR set", async () => {
    const argv = ["run", "--policy", fixture("lazy-restore.yaml"), "--kernel", "6.8"];
    expect((await runCli(argv, { tty: true })).stdout).toMatch(ANSI);
    expect((await runCli(argv, { tty: true, env: { NO_COLOR: "" } })).stdout).toMatch(ANSI);
    expect((await runCli(argv, { tty: true, env: { NO_COLOR: "1" } })).stdout).not.toMatch(ANSI);
    expect((await runCli(argv, { tty: false })).stdout).not.toMatch(ANSI);
  });

  it("reports something unexpected in one line and exits 70", async () => {
    const stderr: string[] = [];
    const broken = {
      stdout: {
        write: () => {
          throw new TypeError("stdout is gone\nsecond line");
        },
      },
      stderr: { write: (text: string) => stderr.push(text) },
      env: {},
    };
    const code = await main(["probe", "--kernel", "6.18"], broken);
    expect(code).toBe(70);
    expect(stderr.join("")).toBe("negotiate: internal error: TypeError: stdout is gone\n");
  });
});

describe("backend flags", () => {
  it.each([
    [["--backend", "foo"], "--backend", /--backend "foo" is invalid; expected linux \| mock/],
    [["--kernel", "7.x"], "--kernel", /--kernel "7\.x" is invalid; expected a kernel release/],
    [["--kernel", "banana"], "--kernel", /--kernel "banana" is invalid; expected a kernel release/],
    [["--kernel", "v6.8"], "--kernel", /--kernel "v6\.8" is invalid; expected a kernel release/],
    [
      ["--kernel", "999.999.999"],
      "--kernel",
      /--kernel "999\.999\.999" is invalid; expected a release no newer than 7\.2, the newest the mock models/,
    ],
    [
      ["--arch", "sparc"],
      "--arch",
      /--arch "sparc" is invalid; expected one of "x86_64", "i386", "arm64", "arm", "riscv64", "ppc64le", "s390x", "loongarch64"/,
    ],
    [["--sysctl", "2"], "--sysctl", /--sysctl "2" is invalid; expected one of 0, 1/],
    [
      ["--device", "maybe"],
      "--device",
      /--device "maybe" is invalid; expected one of "absent", "denied", "ok"/,
    ],
    [
      ["--kernel", "5.10", "--device", "ok"],
      "--device",
      /--device "ok" is invalid: \/dev\/userfaultfd does not exist before 6\.1/,
    ],
    [
      ["--backend", "linux", "--kernel", "6.1"],
      "--kernel",
      /--kernel configures the simulated kernel: use it with --backend mock/,
    ],
    [
      ["--profile", "x.json", "--unprivileged"],
      "--unprivileged",
      /--unprivileged cannot be combined with --profile/,
    ],
  ])("%j exits 2 naming the flag and its value", async (flags, flag, message) => {
    const run = await runCli(["probe", ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    const json = await runCli(["probe", ...flags, "--json"]);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({ ok: false, error: { kind: "invalid-flag", flag } });
  });

  it("a mock flag alone selects the mock, simulating uid≠0 without CAP_SYS_PTRACE unless --root", async () => {
    const byDefault = await runCli(["probe", "--kernel", "6.18", "--json"]);
    expect(byDefault.json()).toMatchObject({
      backend: {
        name: "mock",
        kernelRelease: "6.18",
        simulating: expect.stringContaining("uid≠0 without CAP_SYS_PTRACE"),
      },
      probedWith: "user-mode-only",
      openModes: [{ ok: false, errno: "EPERM" }, { ok: false, errno: "EACCES" }, { ok: true }],
    });
    // --unprivileged names the default: old command lines keep their meaning.
    const named = await runCli(["probe", "--kernel", "6.18", "--unprivileged", "--json"]);
    expect(named.json()).toMatchObject({ probedWith: "user-mode-only" });
    const privileged = await runCli(["probe", "--kernel", "6.18", "--root", "--json"]);
    expect(privileged.json()).toMatchObject({
      backend: {
        name: "mock",
        kernelRelease: "6.18",
        simulating: expect.stringContaining("root with CAP_SYS_PTRACE"),
      },
      probedWith: "syscall",
    });
    const both = await runCli(["probe", "--kernel", "6.18", "--root", "--unprivileged", "--json"]);
    expect(both.code).toBe(2);
    expect(both.json()).toMatchObject({ ok: false, error: { kind: "invalid-flag", flag: "--root" } });
    const unprivileged = await runCli([
      "probe",
      "--kernel",
      "6.18",
      "--unprivileged",
      "--sysctl",
      "1",
      "--json",
    ]);
    // The sysctl at 1 lets an unprivileged caller use userfaultfd(2) again.
    expect(unprivileged.json()).toMatchObject({
      probedWith: "syscall",
      openModes: [{ ok: true }, { ok: false, errno: "EACCES" }, { ok: true }],
    });
  });

  it("a failure on the mock says who it simulated, and a distro's cause with its fix", async () => {
    const rhel = await runCli(["probe", "--kernel", "6.12.0-211.el10_2.x86_64"]);
    expect(rhel.code).toBe(1);
    // The refusals are in the OPEN MODE table (stdout), who was simulated under the error (stderr).
    expect(rhel.stdout).toMatch(
      /^user-mode-only\s+no\s+EACCES: SELinux denies this domain creating userfaultfd_t anon inodes$/m,
    );
    expect(rhel.stderr).toContain(
      "simulating uid≠0 without CAP_SYS_PTRACE on 6.12.0-211.el10_2.x86_64 (x86_64, RHEL 10 (6.12))",
    );
    const talos = await runCli(["probe", "--kernel", "6.12.18-talos", "--root", "--json"]);
    expect(talos.json()).toMatchObject({
      ok: false,
      error: {
        kind: "unsupported",
        attempts: [{ cause: { kind: "not-built" } }, {}, { cause: { kind: "not-built" } }],
      },
      hint: expect.stringContaining("simulating root with CAP_SYS_PTRACE on 6.12.18-talos"),
    });
  });

  it("--profile replays a captured host; a broken or missing profile exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "negotiate-cli-"));
    const profile: HostProfile = {
      format: "negotiate-host-profile",
      version: 1,
      capturedAt: "2025-01-01T00:00:00.000Z",
      kernel: { release: "6.2.16-custom", arch: "arm64" },
      privileges: { uid: 1000, capSysPtrace: false, unprivilegedUserfaultfd: 0 },
      api: { supported: 0x3ffn, ioctls: 0x8000000000000003n },
      openModes: { syscall: { errno: "EPERM" }, device: { errno: "EACCES" }, "user-mode-only": "ok" },
      eventFork: { errno: "EPERM" },
    };
    writeFileSync(join(dir, "host.json"), encodeHostProfile(profile));
    const run = await runCli(["probe", "--profile", join(dir, "host.json"), "--json"]);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      backend: { kernelRelease: "6.2.16-custom", arch: "arm64" },
      supportedMask: "0x3ff",
      probedWith: "user-mode-only",
    });
    writeFileSync(join(dir, "broken.json"), encodeHostProfile(profile).replace('"0x3ff"', '"lots"'));
    const broken = await runCli(["probe", "--profile", join(dir, "broken.json"), "--json"]);
    expect(broken.code).toBe(2);
    expect(broken.json()).toMatchObject({
      error: { kind: "invalid-profile", error: { kind: "invalid-field", path: "api.supported" } },
    });
    const missing = await runCli(["probe", "--profile", join(dir, "absent.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read .*absent\.json: no such file$/m);
  });

  it("when the real kernel cannot be used, shows how to use the mock instead", () => {
    const unavailable = {
      kind: "backend-unavailable",
      backend: "linux",
      reason: "not Linux",
      message: "x",
    } as const;
    expect(realKernelHint(unavailable, {}, "run --policy p.yaml")).toMatch(
      /negotiate run --policy p\.yaml --backend mock/,
    );
    const noUffd = { kind: "unsupported", reason: "no-userfaultfd", attempts: [], message: "x" } as const;
    expect(realKernelHint(noUffd, {}, "probe")).toContain("negotiate probe --backend mock");
    // Not for the mock itself, nor for failures the real kernel explains (an open mode the policy forbids).
    expect(realKernelHint(unavailable, { backend: "mock" }, "probe")).toBeUndefined();
    // A failure on the mock says who it simulated.
    const simulating = "simulating uid≠0 without CAP_SYS_PTRACE on 6.8 (x86_64)";
    const mock = { name: "mock", simulating, warnings: [] };
    expect(realKernelHint(noUffd, { backend: "mock" }, "probe", mock)).toBe(simulating);
    expect(realKernelHint({ ...noUffd, reason: "open-mode" }, {}, "probe")).toBeUndefined();
  });
});

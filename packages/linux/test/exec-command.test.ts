import { describe, expect, it } from "vitest";
import { execCommand } from "../src/index.js";
import { runFixtureProcess } from "./support/child.js";

const fixture = new URL("./fixtures/exec-child.ts", import.meta.url);
const exec = (file: string, args: string[], unprivileged = false) =>
  runFixtureProcess(fixture, { input: JSON.stringify({ file, args }), unprivileged });
// SigIgn of /proc/self/status: bit n-1 for signal n. Node ignores SIGPIPE (13) and SIGXFSZ (25).
const NODE_IGNORED = (1n << 12n) | (1n << 24n);

describe.runIf(process.platform === "linux")("execCommand replaces the process (in a child)", () => {
  it.each([false, true])(
    "passes the exit code, stdout and stderr through (unprivileged: %s)",
    (unprivileged) => {
      const child = exec("sh", ["-c", 'echo "out $0"; echo err >&2; exit 7', "zero"], unprivileged);
      expect(child).toMatchObject({ status: 7, stdout: "out zero\n", stderr: "err\n" });
    },
  );

  it("hands the command SIGPIPE and SIGXFSZ at their defaults, and a blocking stdin/stdout", () => {
    const child = exec("sh", ["-c", "grep ^SigIgn /proc/self/status; grep ^flags /proc/self/fdinfo/1"]);
    expect(child.status).toBe(0);
    const [, ignored, , flags] = child.stdout.split(/\s+/);
    expect(BigInt(`0x${ignored}`) & NODE_IGNORED).toBe(0n);
    // O_NONBLOCK (0o4000), which Node set on its stdout pipe, is cleared.
    expect(Number.parseInt(flags!, 8) & 0o4000).toBe(0);
  });

  it("exits 127 for a command not found and 126 for one that cannot run, as a shell does", () => {
    const missing = exec("negotiate-no-such-command", []);
    expect(missing.status).toBe(127);
    expect(JSON.parse(missing.stdout)).toMatchObject({ kind: "exec-failed", errno: "ENOENT", exitCode: 127 });
    const notExecutable = exec("/etc/passwd", []);
    expect(notExecutable.status).toBe(126);
    expect(JSON.parse(notExecutable.stdout)).toMatchObject({ errno: "EACCES", exitCode: 126 });
  });

  it("refuses a NUL in an argument without calling anything (in this process: nothing is replaced)", () => {
    expect(execCommand("sh", ["a\0b"])._unsafeUnwrapErr()).toMatchObject({
      kind: "invalid-argument",
      exitCode: 2,
    });
    expect(execCommand(42 as unknown as string, [])._unsafeUnwrapErr().kind).toBe("invalid-argument");
  });
});

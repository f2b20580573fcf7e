import { catalogue, kernelAtLeast, parseKernelRelease } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { ANSI, runCli } from "./support/run-cli.js";

const releaseOf = (release: string) => parseKernelRelease(release)._unsafeUnwrap();
const addedBy = (release: string) =>
  catalogue.filter((entry) => kernelAtLeast(releaseOf(release), entry.since)).map((entry) => entry.name);

interface ProbeJson {
  ok: boolean;
  backend: { name: string; kernelRelease: string; arch: string };
  supported: string[];
  supportedMask: string;
  ioctls: string;
  probedWith: string;
  features: { name: string; bit: number; supported: boolean; since: string; description: string }[];
  openModes: {
    mode: string;
    ok: boolean;
    errno?: string;
    cause?: { kind: string };
    reason?: string;
    hint?: string;
  }[];
  trace: { op: string; result: string }[];
}

describe("negotiate probe", () => {
  it("--json lists every feature of a simulated 5.15 with its bit, release and support", async () => {
    const run = await runCli(["probe", "--backend", "mock", "--kernel", "5.15", "--json"]);
    expect(run.code).toBe(0);
    const probe = run.json<ProbeJson>();
    expect(probe.ok).toBe(true);
    expect(probe.backend).toEqual({
      name: "mock",
      kernelRelease: "5.15",
      arch: "x86_64",
      simulating: "simulating uid≠0 without CAP_SYS_PTRACE on 5.15 (x86_64)",
      warnings: [],
    });
    expect(probe.supported).toEqual(addedBy("5.15"));
    const mask = catalogue
      .filter((entry) => probe.supported.includes(entry.name))
      .reduce((sum, entry) => sum | (1n << BigInt(entry.bit)), 0n);
    expect(probe.supportedMask).toBe(`0x${mask.toString(16)}`);
    expect(probe.ioctls).toMatch(/^0x[0-9a-f]+$/);
    expect(probe.features.map(({ name, bit, since }) => ({ name, bit, since }))).toEqual(
      catalogue.map(({ name, bit, since }) => ({ name, bit, since })),
    );
    for (const feature of probe.features)
      expect(feature.supported).toBe(probe.supported.includes(feature.name));
  });

  it("says which open modes work for an unprivileged caller and why the others fail", async () => {
    const run = await runCli(["probe", "--kernel", "5.15", "--unprivileged", "--json"]);
    const { openModes, probedWith } = run.json<ProbeJson>();
    expect(run.code).toBe(0);
    // 5.11+ defaults the sysctl to 0; /dev/userfaultfd arrived in 6.1.
    expect(openModes[0]).toMatchObject({
      mode: "syscall",
      ok: false,
      errno: "EPERM",
      cause: { kind: "sysctl" },
    });
    expect(openModes[0]?.hint).toContain("vm.unprivileged_userfaultfd=1");
    expect(openModes[1]).toMatchObject({ mode: "device", ok: false, errno: "ENOENT" });
    expect(openModes[1]?.reason).toContain("added in 6.1");
    expect(openModes[2]).toEqual({ mode: "user-mode-only", ok: true });
    expect(probedWith).toBe("user-mode-only");
  });

  it("prints a feature table and an open-mode table as plain text when stdout is not a terminal", async () => {
    const run = await runCli(["probe", "--kernel", "6.6", "--unprivileged"]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(ANSI);
    const lines = run.stdout.split("\n");
    const header = lines.findIndex((line) => /^FEATURE\s+BIT\s+SUPPORTED\s+SINCE\s+DESCRIPTION$/.test(line));
    expect(header).toBeGreaterThan(-1);
    const rows = lines.slice(header + 1, header + 1 + catalogue.length);
    for (const [index, entry] of catalogue.entries()) {
      const supported = kernelAtLeast(releaseOf("6.6"), entry.since) ? "yes" : "no";
      expect(rows[index]).toMatch(
        new RegExp(
          `^${entry.name}\\s+${entry.bit}\\s+${supported}\\s+${entry.since.replace(".", "\\.")}\\s+\\S`,
        ),
      );
    }
    expect(run.stdout).toMatch(
      /^device\s+no\s+EACCES: \/dev\/userfaultfd is not readable and writable by this user$/m,
    );
    expect(run.stdout).toMatch(/^user-mode-only\s+yes$/m);
  });

  const root = process.platform === "linux" && process.getuid?.() === 0;
  it.runIf(root)(
    "on the real kernel, as root, every open mode works and every fd is closed again",
    async () => {
      const run = await runCli(["probe", "--json"]);
      expect(run.code).toBe(0);
      const probe = run.json<ProbeJson>();
      expect(probe.backend.name).toBe("linux");
      expect(probe.openModes.map((mode) => mode.ok)).toEqual([true, true, true]);
      // Every fd the probe opened was closed again.
      const opened = probe.trace.filter((entry) => entry.op === "open" && entry.result === "ok").length;
      expect(probe.trace.filter((entry) => entry.op === "close" && entry.result === "ok")).toHaveLength(
        opened,
      );
    },
  );
});

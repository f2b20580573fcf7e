import { LANDLOCK_CATALOGUE } from "@negotiate/core/landlock";
import { landlockBackend } from "@negotiate/linux";
import { describe, expect, it } from "vitest";
import { ANSI, runCli } from "./support/run-cli.js";

interface LandlockJson {
  backend: { name: string; kernelRelease: string; simulating?: string };
  probe?: {
    available: boolean;
    abi?: number;
    errataMask?: string | null;
    errata?: { erratum: number; fixed: boolean | null }[];
    rights: { name: string; group: string; available: boolean; refused?: string }[];
    errno?: string;
    cause?: { kind: string };
    reason?: string;
    hint?: string;
  };
  note?: string;
}

const probeJson = async (...flags: string[]) => {
  const run = await runCli(["probe", ...flags, "--json"]);
  return { run, landlock: run.json<{ landlock: LandlockJson }>().landlock };
};
const available = (landlock: LandlockJson) =>
  landlock.probe!.rights.filter((right) => right.available).map((right) => right.name);
const rightsUpTo = (abi: number) =>
  LANDLOCK_CATALOGUE.filter((entry) => entry.abi <= abi).map((entry) => entry.name);

describe("negotiate probe: Landlock", () => {
  it.each([
    ["5.15.0-124-generic", 1],
    ["6.1.0-26-amd64", 2],
    ["6.8.0-45-generic", 4],
    ["6.12.38-amd64", 6],
    ["6.18.0", 7],
  ] as const)("--kernel %s: ABI %i and exactly its rights", async (kernel, abi) => {
    const { run, landlock } = await probeJson("--backend", "mock", "--kernel", kernel);
    expect(run.code).toBe(0);
    expect(landlock.probe).toMatchObject({ available: true, abi });
    expect(available(landlock)).toEqual(rightsUpTo(abi));
    expect(landlock.backend.simulating).toContain(`ABI ${abi}`);
  });

  it("names the errata: fixed on 6.18, unknown before ABI 7", async () => {
    const current = (await probeJson("--kernel", "6.18.0")).landlock.probe!;
    expect(current.errataMask).toBe("0x7");
    expect(current.errata!.map((erratum) => erratum.fixed)).toEqual([true, true, true]);
    const older = (await probeJson("--kernel", "6.12.0")).landlock.probe!;
    expect(older.errataMask).toBeNull();
    expect(older.errata!.map((erratum) => [erratum.erratum, erratum.fixed])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
  });

  it("shows the RHEL 9.7 quirk: ABI 6 with ABSTRACT_UNIX_SOCKET refused", async () => {
    const { landlock } = await probeJson("--kernel", "5.14.0-611.5.1.el9_7.x86_64");
    expect(landlock.probe).toMatchObject({ available: true, abi: 6 });
    expect(landlock.probe!.rights.find((right) => right.name === "ABSTRACT_UNIX_SOCKET")).toMatchObject({
      available: false,
      refused: "EINVAL",
    });
    const run = await runCli(["probe", "--kernel", "5.14.0-611.5.1.el9_7.x86_64"]);
    expect(run.stdout).toMatch(/ABSTRACT_UNIX_SOCKET\s+scope\s+0\s+refused: EINVAL although ABI 6 has it/);
  });

  it("says why Landlock is unavailable, with the fix", async () => {
    const old = (await probeJson("--kernel", "5.10.0")).landlock.probe!;
    expect(old).toMatchObject({ available: false, errno: "ENOSYS", cause: { kind: "not-built" } });
    expect(old.hint).toContain("CONFIG_SECURITY_LANDLOCK");
    expect(old.rights.every((right) => !right.available)).toBe(true);
    const run = await runCli(["probe", "--kernel", "5.10.0"]);
    expect(run.stdout).toContain("unavailable — not-built (ENOSYS): landlock_create_ruleset answered ENOSYS");
    expect(run.stdout).toMatch(/fix\s+this kernel was built without CONFIG_SECURITY_LANDLOCK/);
  });

  it("text: ABI, errata, rights per group and one row per right, within 100 columns", async () => {
    const run = await runCli(["probe", "--kernel", "6.8.0-45-generic"]);
    expect(run.code).toBe(0);
    const text = run.stdout.slice(run.stdout.indexOf("landlock\n"));
    expect(text).toMatch(/ABI\s+4 \(Linux 6\.7\)/);
    expect(text).toMatch(/errata\s+not queryable/);
    expect(text).toContain("fs 15/17 · net 2/4 · scope 0/2 · restrict 0/4 · rule 0/1");
    expect(text).toMatch(/BIND_TCP\s+net\s+0\s+yes/);
    expect(text).toMatch(/SIGNAL\s+scope\s+1\s+no: needs ABI 6 \(6\.12\)/);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect(text).not.toMatch(ANSI);
  });

  it("replays a capture's Landlock; a version 1 profile says it has none", async () => {
    const captured = await runCli(["capture", "--json"]);
    const abi = landlockBackend().andThen((port) => port.abiVersion());
    expect(captured.code).toBe(0);
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "negotiate-probe-landlock-"));
    const v2 = join(dir, "v2.json");
    writeFileSync(v2, captured.stdout);
    const { landlock } = await probeJson("--profile", v2);
    if (abi.isOk()) expect(landlock.probe).toMatchObject({ available: true, abi: abi.value });
    const { landlock: _, ...rest } = JSON.parse(captured.stdout);
    const v1 = join(dir, "v1.json");
    writeFileSync(v1, JSON.stringify({ ...rest, version: 1 }));
    const old = await probeJson("--profile", v1);
    expect(old.run.code).toBe(0);
    expect(old.landlock.note).toContain("no landlock section");
  });

  it.runIf(
    landlockBackend()
      .andThen((port) => port.abiVersion())
      .isOk(),
  )("on this kernel: the ABI it reports and every right of it", async () => {
    const abi = landlockBackend()._unsafeUnwrap().abiVersion()._unsafeUnwrap();
    const { landlock } = await probeJson();
    expect(landlock.backend.name).toBe("linux");
    expect(landlock.probe).toMatchObject({ available: true, abi });
    expect(available(landlock)).toEqual(rightsUpTo(abi));
  });
});

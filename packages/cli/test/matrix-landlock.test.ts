import { LANDLOCK_CATALOGUE } from "@negotiate/core/landlock";
import { describe, expect, it } from "vitest";
import { ANSI, fixture, runCli } from "./support/run-cli.js";

type Cell =
  | {
      available: true;
      abi: number;
      errata: string | null;
      rights: string[];
      missing: { name: string; abi: number; refused?: string }[];
    }
  | { available: false; errno: string; reason: string };

interface MatrixJson {
  landlock: string[];
  rows: { kernel: string; arch: string; ok: boolean; landlock: Cell }[];
}

const POLICY = fixture("write-protect.yaml");
const WANTED = "READ_FILE,TRUNCATE,LANDLOCK_ACCESS_NET_BIND_TCP,SIGNAL";

describe("negotiate matrix --landlock", () => {
  it("gives every kernel its ABI, errata and which wanted rights it has (prefixed names accepted)", async () => {
    const run = await runCli([
      "matrix",
      POLICY,
      "--kernels",
      "5.10,5.15,6.2,6.8,6.12,6.18",
      "--landlock",
      WANTED,
      "--json",
    ]);
    expect(run.code).toBe(0);
    const matrix = run.json<MatrixJson>();
    expect(matrix.landlock).toEqual(["READ_FILE", "TRUNCATE", "BIND_TCP", "SIGNAL"]);
    const by = Object.fromEntries(matrix.rows.map((row) => [row.kernel, row.landlock]));
    expect(by["5.10"]).toMatchObject({ available: false, errno: "ENOSYS", reason: "not-built (ENOSYS)" });
    expect(by["5.15"]).toMatchObject({ available: true, abi: 1, errata: null, rights: ["READ_FILE"] });
    expect(by["6.2"]).toMatchObject({ abi: 3, rights: ["READ_FILE", "TRUNCATE"] });
    expect(by["6.8"]).toMatchObject({
      abi: 4,
      rights: ["READ_FILE", "TRUNCATE", "BIND_TCP"],
      missing: [{ name: "SIGNAL", abi: 6 }],
    });
    expect(by["6.12"]).toMatchObject({ abi: 6, rights: ["READ_FILE", "TRUNCATE", "BIND_TCP", "SIGNAL"] });
    expect(by["6.18"]).toMatchObject({ abi: 7, errata: "0x7", missing: [] });
  });

  it("prints the Landlock columns and what each run of kernels lacks, in 100 columns, escaped", async () => {
    const run = await runCli(["matrix", POLICY, "--kernels", "5.10,5.15,6.8,6.18", "--landlock", WANTED]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^KERNEL\s+ARCH\s+RESULT\s+OPTIONAL\s+OPEN\/API\/CLOSE\s+LANDLOCK\s+ERRATA\s+LL RIGHTS$/m,
    );
    expect(run.stdout).toMatch(/^5\.10\s+x86_64\s+\S+.*ENOSYS\s+-\s+0 of 4$/m);
    expect(run.stdout).toMatch(/^6\.18\s+x86_64\s+ok.*\s7\s+0x7\s+4 of 4$/m);
    expect(run.stdout).toContain("landlock missing\n  5.10 x86_64: not-built (ENOSYS)\n");
    expect(run.stdout).toContain("  5.15 x86_64: TRUNCATE (ABI 3), BIND_TCP (ABI 4), SIGNAL (ABI 6)\n");
    for (const line of run.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect(run.stdout).not.toMatch(ANSI);
  });

  it("without a value takes the whole catalogue, and wraps long lists at 100 columns", async () => {
    const run = await runCli(["matrix", POLICY, "--kernels", "5.15", "--landlock"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`\\s1\\s+-\\s+13 of ${LANDLOCK_CATALOGUE.length}$`, "m"));
    const section = run.stdout.slice(run.stdout.indexOf("landlock missing"));
    expect(section.split("\n").filter((line) => line.startsWith("  ")).length).toBeGreaterThan(1);
    for (const line of run.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    for (const entry of LANDLOCK_CATALOGUE.filter((entry) => entry.abi > 1))
      expect(section).toContain(`${entry.name} (ABI ${entry.abi})`);
  });

  it("refuses an unknown right before reading the policy, naming it and the known ones", async () => {
    const run = await runCli([
      "matrix",
      fixture("no-such.yaml"),
      "--landlock",
      "READ_FILE,READ_FILES",
      "--json",
    ]);
    expect(run.code).toBe(2);
    const error = run.json<{ error: { kind: string; flag: string; value: string; expected: string[] } }>()
      .error;
    expect(error).toMatchObject({ kind: "invalid-flag", flag: "--landlock", value: "READ_FILES" });
    expect(error.expected).toContain("READ_FILE");
  });

  it("--distros: every distro kernel's Landlock, RHEL 9.7's refused scope included", async () => {
    const json = await runCli([
      "matrix",
      POLICY,
      "--distros",
      "--landlock",
      "READ_FILE,ABSTRACT_UNIX_SOCKET",
      "--json",
    ]);
    const distros = json.json<{ distros: { distro: string; rows: { kernel: string; landlock: Cell }[] }[] }>()
      .distros;
    const rhel9 = distros.find((distro) => distro.distro === "rhel-9")!;
    const newest = rhel9.rows[rhel9.rows.length - 1]!;
    expect(newest.kernel).toContain("el9_7");
    expect(newest.landlock).toMatchObject({
      abi: 6,
      rights: ["READ_FILE"],
      missing: [{ name: "ABSTRACT_UNIX_SOCKET", abi: 6, refused: "EINVAL" }],
    });
    const gki = distros.find((distro) => distro.distro === "android-gki")!;
    expect(gki.rows.every((row) => !row.landlock.available)).toBe(true);
    const text = await runCli([
      "matrix",
      POLICY,
      "--distros",
      "--landlock",
      "READ_FILE,ABSTRACT_UNIX_SOCKET",
    ]);
    expect(text.stdout).toMatch(/^DISTRO\s+ARCH\s+KERNEL\s+LANDLOCK\s+ERRATA\s+LL RIGHTS$/m);
    expect(text.stdout).toMatch(/^rhel-9\s+x86_64\s+5\.14\.0-611\.5\.1\.el9_7\.x86_64\s+6\s+-\s+1 of 2$/m);
    expect(text.stdout).toContain("ABSTRACT_UNIX_SOCKET (EINVAL although ABI 6)");
    const landlockPart = text.stdout.slice(text.stdout.indexOf("\nDISTRO  "));
    for (const line of landlockPart.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe("negotiate matrix with a version 2 policy's landlock section", () => {
  const AGENT = fixture("agent-v2.yaml");

  it("negotiates the section on every kernel: its rights are the columns, its outcome decides the verdict", async () => {
    const run = await runCli(["matrix", AGENT, "--kernels", "5.10,5.15,6.8,6.18", "--json"]);
    type Negotiated = { negotiated: { ok: boolean; kind?: string; coverage?: string } };
    const matrix = run.json<MatrixJson & { oldest: Record<string, string | null> }>();
    // required READ_FILE, READ_DIR; optional TRUNCATE, BIND_TCP, SIGNAL.
    expect(matrix.landlock).toEqual(["READ_FILE", "READ_DIR", "TRUNCATE", "BIND_TCP", "SIGNAL"]);
    const by = Object.fromEntries(
      matrix.rows.map((row) => [row.kernel, row.landlock as unknown as Negotiated]),
    );
    expect(by["5.10"]!.negotiated).toMatchObject({ ok: false, kind: "unsupported" });
    expect(by["5.15"]!.negotiated).toEqual({ ok: true, coverage: "partial" });
    expect(by["6.18"]!.negotiated).toEqual({ ok: true, coverage: "full" });
    // 5.10 has the userfaultfd features but no Landlock: the oldest that satisfies the whole policy is later.
    expect(matrix.oldest.x86_64).not.toBe("5.10");
    const text = await runCli(["matrix", AGENT, "--kernels", "5.10,5.15,6.8,6.18"]);
    expect(text.stdout).toMatch(/LL RIGHTS\s+LL RESULT$/m);
    expect(text.stdout).toMatch(/^6\.8\s.*\s4\s+-\s+4 of 5\s+ok \(partial\)$/m);
    expect(text.stdout).toContain("5.10 x86_64: landlock: unsupported");
    for (const line of text.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it("--landlock still chooses the columns, the section still decides", async () => {
    const run = await runCli(["matrix", AGENT, "--kernels", "6.8", "--landlock", "SIGNAL", "--json"]);
    const matrix = run.json<MatrixJson & { rows: { landlock: { negotiated: { ok: boolean } } }[] }>();
    expect(matrix.landlock).toEqual(["SIGNAL"]);
    expect(matrix.rows[0]!.landlock).toMatchObject({ rights: [], negotiated: { ok: true } });
  });
});

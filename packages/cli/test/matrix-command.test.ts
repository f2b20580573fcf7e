import { catalogue, compareKernelVersions, kernelAtLeast, parseKernelRelease } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { MOCK_KERNELS } from "../src/backend-options.js";
import { fixture, runCli } from "./support/run-cli.js";

interface MatrixJson {
  ok: boolean;
  satisfied: boolean;
  oldest: Record<string, string | null>;
  rows: ({
    kernel: string;
    arch: string;
    ok: boolean;
    calls: { open: number; api: number; close: number };
  } & ({ ok: true; enabledOptional: string[]; open: string } | { ok: false; error: { kind: string } }))[];
}

const version = (release: string) => parseKernelRelease(release)._unsafeUnwrap();
// lazy-restore.yaml requires EVENT_REMOVE and THREAD_ID: the first listed kernel with both is the oldest that works.
const requiredSince = ["EVENT_REMOVE", "THREAD_ID"].map(
  (name) => catalogue.find((entry) => entry.name === name)!.since,
);
const satisfies = (release: string) => requiredSince.every((since) => kernelAtLeast(version(release), since));

describe("negotiate matrix", () => {
  it("runs every default kernel, oldest first, and finds the oldest that satisfies the policy", async () => {
    const run = await runCli(["matrix", "--policy", fixture("lazy-restore.yaml"), "--json"]);
    expect(run.code).toBe(0);
    const matrix = run.json<MatrixJson>();
    expect(matrix.rows.map((row) => row.kernel)).toEqual(
      [...MOCK_KERNELS].sort((a, b) => compareKernelVersions(version(a), version(b))),
    );
    for (const row of matrix.rows) {
      expect(row.ok).toBe(satisfies(row.kernel));
      if (!row.ok) expect(row.error.kind).toBe("missing-required");
    }
    expect(matrix.oldest).toEqual({ x86_64: MOCK_KERNELS.find(satisfies) });
    expect(matrix.satisfied).toBe(true);
  });

  it("counts the calls each negotiation made: one open and one UFFDIO_API on a current kernel", async () => {
    const run = await runCli([
      "matrix",
      "--policy",
      fixture("lazy-restore.yaml"),
      "--kernels",
      "6.18,5.10",
      "--root",
      "--json",
    ]);
    const [older, newer] = run.json<MatrixJson>().rows;
    expect(newer).toMatchObject({ kernel: "6.18", ok: true, calls: { open: 1, api: 1, close: 0 } });
    // 5.10 refuses the one-shot request (MOVE and others are unknown): probe on the same fd, then a new fd.
    expect(older).toMatchObject({ kernel: "5.10", ok: true, calls: { open: 2, api: 3, close: 1 } });
  });

  it("prints a table per kernel and architecture and the verdict for each architecture", async () => {
    const run = await runCli([
      "matrix",
      "--policy",
      fixture("write-protect.yaml"),
      "--kernels",
      "6.6,6.10",
      "--arch",
      "x86_64,arm64",
    ]);
    expect(run.code).toBe(0);
    // No oneOf and nothing implied: those columns are left out.
    expect(run.stdout).toMatch(/^KERNEL\s+ARCH\s+RESULT\s+OPTIONAL\s+OPEN\/API\/CLOSE$/m);
    expect(run.stdout).toMatch(/^6\.6\s+arm64\s+ok\s+0 of 1\s+\d\/\d\/\d$/m);
    expect(run.stdout).toMatch(/^6\.10\s+arm64\s+ok\s+1 of 1\s+\d\/\d\/\d$/m);
    expect(run.stdout).toMatch(/\nmissing optional\n {2}6\.6 arm64: PAGEFAULT_FLAG_WP\n/);
    // Who each row simulated (by default uid≠0 without CAP_SYS_PTRACE), once per run of kernels.
    expect(run.stdout).toMatch(
      /\nsimulating\n {2}6\.6…6\.10 x86_64: simulating uid≠0 without CAP_SYS_PTRACE\n {2}6\.6…6\.10 arm64: simulating uid≠0 without CAP_SYS_PTRACE\n/,
    );
    expect(run.stdout).toContain("x86_64: oldest kernel that satisfies the policy: 6.6");
    expect(run.stdout).toContain("arm64: oldest kernel that satisfies the policy: 6.6");
  });

  it("fits in 100 columns, with oneOf choices and implied features apart from optional ones", async () => {
    const run = await runCli(["matrix", fixture("one-of.yaml"), "--arch", "x86_64,arm64", "--unprivileged"]);
    for (const line of run.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect(run.stdout).toMatch(/^KERNEL\s+ARCH\s+RESULT\s+ONE OF\s+IMPLIED\s+OPEN\/API\/CLOSE$/m);
    expect(run.stdout).toMatch(/^6\.18\s+x86_64\s+ok\s+WP_ASYNC\s+WP_UNPOPULATED\s+\d\/\d\/\d$/m);
    expect(run.stdout).toMatch(/^5\.7\s+x86_64\s+ok\s+PAGEFAULT_FLAG_WP\s+\d\/\d\/\d$/m);
    // Consecutive kernels failing alike are one line.
    expect(run.stdout).toMatch(
      /\nfailed\n {2}4\.3 x86_64: missing-required: MISSING_SHMEM, WP_ASYNC\|PAGEFAULT_FLAG_WP\n {2}4\.11…5\.2 x86_64: missing-required: WP_ASYNC\|PAGEFAULT_FLAG_WP\n/,
    );
  });

  it("exits 1 when no listed kernel satisfies the policy, and 2 for a release the mock refuses", async () => {
    const none = await runCli([
      "matrix",
      "--policy",
      fixture("newer-than-min-kernel.yaml"),
      "--kernels",
      "5.15,6.6",
      "--json",
    ]);
    expect(none.code).toBe(1);
    expect(none.json<MatrixJson>()).toMatchObject({ satisfied: false, oldest: { x86_64: null } });
    const bad = await runCli(["matrix", "--policy", fixture("lazy-restore.yaml"), "--kernels", "6.1,six"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --kernels "six" is invalid; expected a kernel release/);
  });
});

interface DistroJson {
  satisfied: boolean;
  distros: {
    distro: string;
    arch: string;
    satisfied: boolean;
    loses: string[];
    oldest: string | null;
    rows: { kernel: string; simulating: string }[];
  }[];
}

describe("negotiate matrix --distros", () => {
  it("checks --arch as the kernel matrix does, and its flags before it reads the policy", async () => {
    const empty = await runCli(["matrix", "--distros", "--arch", ",", fixture("write-protect.yaml")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--arch "," is invalid; expected a comma-separated list of architectures/);
    const contradictory = await runCli(["matrix", "--distros", "--kernels", "6.1", fixture("no-such.yaml")]);
    expect(contradictory.code).toBe(2);
    expect(contradictory.stderr).toMatch(/--distros runs the distro profiles' own kernels/);
    expect(contradictory.stderr).not.toMatch(/cannot read/);
  });

  it("lists every distro profile: which satisfy the policy, what each loses, the oldest of each", async () => {
    const run = await runCli(["matrix", "--distros", "--policy", fixture("write-protect.yaml"), "--json"]);
    expect(run.code).toBe(0);
    const { distros, satisfied } = run.json<DistroJson>();
    expect(satisfied).toBe(true);
    expect(distros.map((row) => row.distro)).toHaveLength(15);
    const by = Object.fromEntries(distros.map((row) => [row.distro, row]));
    // write-protect.yaml: MISSING_SHMEM required, PAGEFAULT_FLAG_WP optional (5.7+).
    expect(by["ubuntu-20.04"]).toMatchObject({
      satisfied: true,
      loses: ["PAGEFAULT_FLAG_WP"],
      oldest: "5.4.0-26-generic",
    });
    expect(by["rhel-9"]).toMatchObject({ satisfied: true, loses: [], oldest: "5.14.0-70.13.1.el9_0.x86_64" });
    // RHEL 10.2 denies creation through SELinux; 10.0 is the oldest (and only) RHEL 10 that works.
    expect(by["rhel-10"]).toMatchObject({
      satisfied: false,
      loses: ["userfaultfd (lsm)"],
      oldest: "6.12.0-55.9.1.el10_0.x86_64",
    });
    expect(by.talos).toMatchObject({ satisfied: false, oldest: null });
    for (const row of distros.flatMap((distro) => distro.rows))
      expect(row.simulating).toMatch(/^simulating uid≠0 without CAP_SYS_PTRACE on /);
  });

  it("prints one line per distro with its newest kernel, and refuses --kernels with --distros", async () => {
    const run = await runCli(["matrix", "--distros", "--policy", fixture("write-protect.yaml"), "--root"]);
    expect(run.stdout).toMatch(
      /^DISTRO\s+ARCH\s+NEWEST KERNEL\s+OUTCOME\s+LOSES\s+OLDEST THAT SATISFIES\s+SIMULATING$/m,
    );
    expect(run.stdout).toMatch(/^Talos Linux\s+x86_64\s+6\.12\.18-talos\s+unsupported: ENOSYS\s+/m);
    expect(run.stdout).toContain("simulating root with CAP_SYS_PTRACE on 5.14.0-611.5.1.el9_7.x86_64");
    const both = await runCli([
      "matrix",
      "--distros",
      "--kernels",
      "6.8",
      "--policy",
      fixture("write-protect.yaml"),
    ]);
    expect(both.code).toBe(2);
  });
});

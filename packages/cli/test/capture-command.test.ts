import { mkdtempSync, readFileSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { join } from "node:path";
import { decodeHostProfile } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

describe.runIf(process.platform === "linux")("negotiate capture", () => {
  it("writes this host's profile, which probe --profile replays like the real kernel", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "negotiate-capture-")), "host.json");
    const run = await runCli(["capture", "--out", out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`to ${out}`);
    const profile = decodeHostProfile(readFileSync(out, "utf8"))._unsafeUnwrap();
    expect(profile.kernel.release).toBe(release());
    const real = (await runCli(["probe", "--json"])).json<{ supported: string[]; openModes: unknown[] }>();
    const replayed = (await runCli(["probe", "--profile", out, "--json"])).json<{
      supported: string[];
      openModes: { mode: string; ok: boolean }[];
    }>();
    expect(replayed.supported).toEqual(real.supported);
    expect(replayed.openModes.map(({ mode, ok }) => ({ mode, ok }))).toEqual(
      (real.openModes as { mode: string; ok: boolean }[]).map(({ mode, ok }) => ({ mode, ok })),
    );
  });

  it("records Landlock (version 2), and probe --profile shows the same Landlock as this kernel", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "negotiate-capture-")), "host.json");
    const run = await runCli(["capture", "--out", out]);
    const profile = decodeHostProfile(readFileSync(out, "utf8"))._unsafeUnwrap();
    expect(profile.version).toBe(2);
    const version = profile.landlock!.version;
    expect(run.stdout).toContain(
      "value" in version ? `Landlock ABI ${version.value}` : `Landlock unavailable (${version.errno})`,
    );
    type Probe = { landlock: { probe: unknown } };
    const real = (await runCli(["probe", "--json"])).json<Probe>().landlock.probe;
    const replayed = (await runCli(["probe", "--profile", out, "--json"])).json<Probe>().landlock.probe;
    expect(replayed).toEqual(real);
  });

  it("without --out prints the profile itself on stdout", async () => {
    const run = await runCli(["capture"]);
    expect(run.code).toBe(0);
    expect(decodeHostProfile(run.stdout)._unsafeUnwrap().format).toBe("negotiate-host-profile");
  });

  it("exits 2 when the output file cannot be written", async () => {
    const run = await runCli(["capture", "--out", "/nonexistent-dir/host.json", "--json"]);
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({
      ok: false,
      error: { kind: "file-error", file: "/nonexistent-dir/host.json", code: "ENOENT" },
    });
  });
});

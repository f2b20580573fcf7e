import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The built packages (test:all builds before testing), imported by a fresh process as a user would.
const repository = join(import.meta.dirname, "../../..");
const built = existsSync(join(repository, "packages/core/dist/index.js"));
const heavy = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(yaml|io-ts|fp-ts)\//;
const heavyIn = (modules: readonly string[]) =>
  [...new Set(modules.flatMap((url) => heavy.exec(url)?.[1] ?? []))].sort();
// Third-party module files, each once (the hook sees URLs, require.cache paths).
const dependencies = (modules: readonly string[]) =>
  new Set(
    modules.filter((url) => url.includes("/node_modules/.pnpm/")).map((url) => url.replace(/^file:\/\//, "")),
  );

function run(format: "esm" | "cjs") {
  const directory = mkdtempSync(join(tmpdir(), "negotiate-modules-"));
  const log = join(directory, "modules.log");
  writeFileSync(log, "");
  try {
    const child = spawnSync(
      process.execPath,
      [join(import.meta.dirname, "support/light-import-child.mjs"), format],
      {
        cwd: repository,
        env: { ...process.env, MODULE_LOG: log },
        encoding: "utf8",
      },
    );
    expect(child.stderr).toBe("");
    return JSON.parse(child.stdout) as Record<string, { ok?: boolean; modules: string[] }>;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe.runIf(built)("importing @negotiate/core", () => {
  it.each(["esm", "cjs"] as const)(
    "(%s) loads no YAML parser and no codec library to define a policy in code and negotiate it",
    (format) => {
      const steps = run(format);
      expect(steps.negotiated!.ok).toBe(true);
      expect(heavyIn(steps.negotiated!.modules)).toEqual([]);
      // neverthrow only.
      expect([...dependencies(steps.negotiated!.modules)]).toEqual([expect.stringMatching(/\/neverthrow\//)]);
      // The probe sees them once they are needed: a YAML text, then a codec.
      expect(heavyIn(steps.parsedYaml!.modules)).toEqual(["yaml"]);
      expect(heavyIn(steps.decodedWithCodec!.modules)).toEqual(["fp-ts", "io-ts", "yaml"]);
    },
  );
});

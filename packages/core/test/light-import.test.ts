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

describe.runIf(built)("the ES module build imported from `node -e`", () => {
  // `node -e` defines a global `__filename`; the lazy requires must still take the ES module's own URL.
  it("loads its lazy dependencies (yaml for core, koffi for linux) as ES modules", () => {
    const program = [
      'const core = await import("@negotiate/core");',
      'const linux = await import("@negotiate/linux");',
      'const parsed = core.parsePolicy("version: 1\\nname: eval\\n", { format: "yaml" });',
      "const backend = linux.linuxBackend();",
      "console.log(JSON.stringify({ parsed: parsed.isOk(), backend: backend.isOk() || backend.error.kind }));",
    ].join("\n");
    const child = spawnSync(process.execPath, ["-e", `(async () => {${program}})()`], {
      cwd: repository,
      encoding: "utf8",
    });
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout)).toEqual({
      parsed: true,
      backend: process.platform === "linux" ? true : "backend-unavailable",
    });
  });
});

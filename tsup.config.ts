import { defineConfig, type Options } from "tsup";

// Workspace packages and native modules stay external: each package ships only its own code.
const external = [
  /^@negotiate\//,
  "koffi",
  "vitest",
  "neverthrow",
  "io-ts",
  "fp-ts",
  "yaml",
  "fastest-levenshtein",
];

const library = (name: string, entries: Record<string, string> = {}): Options => ({
  name,
  entry: { index: `packages/${name}/src/index.ts`, ...entries },
  outDir: `packages/${name}/dist`,
  format: ["esm", "cjs"],
  dts: { compilerOptions: { customConditions: [] } },
  target: "node20",
  platform: "node",
  sourcemap: false,
  clean: true,
  external,
  tsconfig: "tsconfig.base.json",
});

export default defineConfig([
  library("core", { conformance: "packages/core/src/conformance/index.ts" }),
  library("mock"),
  library("linux"),
  {
    // The CLI is one bundle (everything but koffi) so it starts fast.
    name: "cli",
    entry: { cli: "packages/cli/src/cli.ts" },
    outDir: "packages/cli/dist",
    format: ["esm"],
    target: "node20",
    platform: "node",
    clean: true,
    external: ["koffi"],
    noExternal: [/.*/],
    esbuildOptions(options) {
      options.conditions = ["@negotiate/source"];
    },
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __negotiateCreateRequire } from 'node:module'; const require = __negotiateCreateRequire(import.meta.url);",
    },
    tsconfig: "tsconfig.base.json",
  },
]);

import { readFile } from "node:fs/promises";
import { defineConfig, type Options } from "tsup";

type BuildOptions = Parameters<NonNullable<Options["esbuildOptions"]>>[0];

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

// The Linux bindings read `import.meta.url` only where `__filename` is missing (ESM), so CJS may leave it empty.
const quietImportMeta = (options: BuildOptions) => {
  options.logOverride = { ...options.logOverride, "empty-import-meta": "silent" };
};

const library = (name: string, entries: Record<string, string> = {}): Options => ({
  name,
  entry: { index: `packages/${name}/src/index.ts`, ...entries },
  outDir: `packages/${name}/dist`,
  format: ["esm", "cjs"],
  dts: true,
  target: "node20",
  platform: "node",
  sourcemap: false,
  clean: true,
  external,
  tsconfig: "tsconfig.build.json",
  esbuildOptions: quietImportMeta,
});

// Everything the CLI runs is bundled into it (its package depends on koffi alone).
const cliBundle = {
  target: "node20",
  platform: "node",
  external: ["koffi"],
  noExternal: [/.*/],
  minify: true,
  esbuildOptions(options) {
    options.conditions = ["@negotiate/source"];
    quietImportMeta(options);
  },
  esbuildPlugins: [
    {
      // commander loads node:child_process (and with it node:net) at start-up for executable subcommands, which
      // negotiate has none of: its bundle loads the module on first use instead.
      name: "lazy-child-process",
      setup(build) {
        const eager = "const childProcess = require('node:child_process');";
        const lazy =
          "let loadedChildProcess; const childProcess = new Proxy({}, { get: (_, key) => (loadedChildProcess ??= require('node:child_process'))[key] });";
        build.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
          const source = await readFile(args.path, "utf8");
          if (!source.includes(eager))
            throw new Error(`lazy-child-process: ${args.path} no longer has: ${eager}`);
          return { contents: source.replace(eager, lazy), loader: "js" };
        });
      },
    },
  ],
  tsconfig: "tsconfig.build.json",
} satisfies Options;

export default defineConfig([
  library("core", {
    engine: "packages/core/src/engine.ts",
    conformance: "packages/core/src/conformance/index.ts",
  }),
  library("mock"),
  library("linux"),
  {
    // The command: chunks per command, loaded lazily, so that it starts fast.
    ...cliBundle,
    name: "cli",
    entry: { cli: "packages/cli/src/cli.ts" },
    outDir: "packages/cli/dist",
    format: ["esm"],
    clean: true,
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __negotiateCreateRequire } from 'node:module'; const require = __negotiateCreateRequire(import.meta.url);",
    },
  },
  {
    // `main()` for in-process use, ESM and CommonJS.
    ...cliBundle,
    name: "cli-library",
    entry: { index: "packages/cli/src/index.ts" },
    outDir: "packages/cli/dist/library",
    format: ["esm", "cjs"],
    splitting: false,
    // Its types mention no workspace package; the sources are read for checking, not the (maybe unbuilt) dists.
    dts: { compilerOptions: { paths: { "@negotiate/*": ["packages/*/src/index.ts"] } } },
    clean: true,
  },
]);

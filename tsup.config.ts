import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { basename, join } from "node:path";
import { transform } from "esbuild";
import { defineConfig, type Options } from "tsup";
import { wrapProgram } from "./packages/cli/src/program-script.js";

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

// The lazy requires read `import.meta.url` and fall back to `__filename` where it is undefined: the CommonJS
// build (split into shared chunks, which keep `import.meta` as written unless it is defined away).
const quietImportMeta = (options: BuildOptions, context: { format: string }) => {
  options.logOverride = { ...options.logOverride, "empty-import-meta": "silent" };
  if (context.format === "cjs") options.define = { ...options.define, "import.meta.url": "undefined" };
};

/**
 * Split CommonJS chunks are built as ES modules first, where a `require` call becomes esbuild's `__require`
 * shim, in a chunk of its own: one more file for every import to load. `require` is renamed for esbuild and
 * written back as `require` (the module's own) in the CommonJS files.
 */
const REQUIRE_CALL = "__commonJsRequire";
const plainRequireCalls: NonNullable<Options["plugins"]>[number] = {
  name: "plain-require-calls",
  esbuildOptions(options) {
    if (this.format === "cjs") options.define = { ...options.define, require: REQUIRE_CALL };
  },
  async buildEnd({ writtenFiles }) {
    if (this.format !== "cjs") return;
    for (const { name } of writtenFiles.filter((file) => file.name.endsWith(".cjs"))) {
      const code = await readFile(name, "utf8");
      if (!code.includes(REQUIRE_CALL)) continue;
      await writeFile(name, code.replaceAll(REQUIRE_CALL, "require"));
    }
  },
};

// A named import of a CommonJS module in an ES module makes Node build that module's ES namespace: for a
// built-in, every export is read, lazy getters included (`node:fs` loads Node's stream modules, `fs.promises`,
// readline); for a package (neverthrow), Node parses its source with cjs-module-lexer. `require` gives the same
// objects (the one module cache) without either, so the ES module build requires them.
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const NAMED_IMPORT = /^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";$/gm;

/** `true` for a package whose `import` and `require` both load its CommonJS main (no exports map, no ES type). */
function isCommonJsPackage(name: string, from: string): boolean {
  const manifest = createRequire(from)(`${name}/package.json`) as { exports?: unknown; type?: string };
  return manifest.exports === undefined && manifest.type !== "module";
}

const requireCommonJsImports = (packages: readonly string[]): NonNullable<Options["plugins"]>[number] => ({
  name: "require-commonjs-imports",
  buildStart() {
    for (const name of packages) {
      if (!isCommonJsPackage(name, join(process.cwd(), "packages", "core", "package.json")))
        throw new Error(
          `require-commonjs-imports: ${name} now has an exports map or ES type; drop it from the list`,
        );
    }
  },
  renderChunk(code, chunk) {
    if (this.format !== "esm" || !chunk.path.endsWith(".js")) return;
    const targets = (specifier: string) => BUILTINS.has(specifier) || packages.includes(specifier);
    const required: string[] = [];
    const rest = code.replace(NAMED_IMPORT, (statement, names: string, specifier: string) => {
      if (!targets(specifier)) return statement;
      const bindings = names
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean)
        .map((name) => name.replace(/\s+as\s+/, ": "));
      required.push(`const { ${bindings.join(", ")} } = __negotiateRequire(${JSON.stringify(specifier)});`);
      return "";
    });
    // A default, namespace or side-effect import, or a re-export, of one of them: fail rather than leave it.
    const left = [...rest.matchAll(/^(?:import|export)\b[^;]*?"([^"]+)";$/gms)].find((match) =>
      targets(match[1]!),
    );
    if (left)
      throw new Error(
        `require-commonjs-imports: ${chunk.path} keeps an import it cannot rewrite: ${left[0]}`,
      );
    if (required.length === 0) return;
    // Imports are hoisted: so are the requires, above the chunk's code.
    const header = [
      'import { createRequire as __negotiateCreateRequire } from "node:module";',
      "const __negotiateRequire = __negotiateCreateRequire(import.meta.url);",
      ...required,
    ];
    return { code: `${header.join("\n")}\n${rest}` };
  },
});

/** How a package's ES module entries are built: wrappers over its CommonJS build (`esmOverCommonJs`). */
interface EsmOverCommonJs {
  /** Entries that export a subset of the main entry's names, taken from `index.cjs`. */
  readonly subsets?: readonly string[];
  /** Entries built as ES modules still: they import an ES module only package (vitest), which `require` refuses. */
  readonly modules?: readonly string[];
}

// Rollup writes the chunks' imports with single quotes, esbuild with double ones.
const CHUNK_IMPORT = /\b(?:from|import)\s*["'](\.\/chunk-[^"']+\.js)["']/g;

/**
 * Each ES module entry is a wrapper that requires its CommonJS build and exports its names: Node 20's ES module
 * loader costs per module (resolve, read, link, evaluate), so an `import` that loads the CommonJS build costs
 * about what a `require` does. It also leaves one copy of the package's code and state in a process that both
 * imports and requires it. ES module chunks that no remaining ES module imports are not kept; the types
 * (`.d.ts`) are tsup's.
 *
 * A `subsets` entry (`@negotiate/core/engine`) is no CommonJS entry of its own, which would split the main
 * entry's code into one more shared chunk, but a file that takes its names from `index.cjs`; the build fails if
 * the main entry lacks one of them.
 */
const esmOverCommonJs = ({
  subsets = [],
  modules = [],
}: EsmOverCommonJs): NonNullable<Options["plugins"]>[number] => {
  const exported = new Map<string, readonly string[]>();
  return {
    name: "esm-over-commonjs",
    esbuildOptions(options) {
      if (this.format !== "cjs" || subsets.length === 0) return;
      const entries = options.entryPoints as Record<string, string>;
      options.entryPoints = Object.fromEntries(
        Object.entries(entries).filter(([name]) => !subsets.includes(name)),
      );
    },
    renderChunk(_code, chunk) {
      if (this.format !== "esm" || !chunk.path.endsWith(".js") || chunk.entryPoint === undefined) return;
      const name = basename(chunk.path, ".js");
      if (modules.includes(name)) return;
      const names = chunk.exports ?? [];
      exported.set(name, names);
      const lines = [
        'import { createRequire } from "node:module";',
        `const commonJs = createRequire(import.meta.url)(${JSON.stringify(`./${name}.cjs`)});`,
        ...(names.length === 0 ? [] : [`export const { ${names.join(", ")} } = commonJs;`]),
      ];
      return { code: `${lines.join("\n")}\n` };
    },
    async buildEnd({ writtenFiles }) {
      if (this.format !== "esm") return;
      const outDir = this.options.outDir!;
      // The chunks the remaining ES modules import, transitively.
      const kept = new Set(modules.map((name) => `${name}.js`));
      for (const file of kept) {
        const code = await readFile(join(outDir, file), "utf8");
        for (const match of code.matchAll(CHUNK_IMPORT)) kept.add(basename(match[1]!));
      }
      for (const { name } of writtenFiles)
        if (basename(name).startsWith("chunk-") && name.endsWith(".js") && !kept.has(basename(name)))
          await rm(name);
      const main = new Set(exported.get("index"));
      for (const subset of subsets) {
        const names = exported.get(subset) ?? [];
        const missing = names.filter((name) => !main.has(name));
        if (missing.length > 0 || names.length === 0)
          throw new Error(`esm-over-commonjs: index does not export ${subset}'s ${missing.join(", ")}`);
        const lines = [
          '"use strict";',
          'Object.defineProperty(exports, "__esModule", { value: true });',
          'const main = require("./index.cjs");',
          ...names.map((name) => `exports.${name} = main.${name};`),
        ];
        await writeFile(join(outDir, `${subset}.cjs`), `${lines.join("\n")}\n`);
      }
    },
  };
};

/**
 * In the CommonJS build, `specifiers` are required on first use rather than at import: the Linux entry exports the
 * Landlock backend too, whose core module (`@negotiate/core/landlock`) a program negotiating userfaultfd alone
 * never calls, nor does core's `negotiate` without a Landlock section. Every use of the module's binding must be a
 * member access, or the build fails. The import is marked before Rollup turns each chunk into CommonJS, so that
 * its binding is named after the mark, a name no local shadows; the written files are then rewritten.
 */
const LAZY_MARK = "?required-on-first-use";
const lazyRequires = (specifiers: readonly string[]): NonNullable<Options["plugins"]>[number] => ({
  name: "lazy-requires",
  renderChunk(code) {
    if (this.format !== "cjs") return;
    const marked = specifiers.reduce(
      (text, specifier) => text.replaceAll(`from "${specifier}";`, `from "${specifier}${LAZY_MARK}";`),
      code,
    );
    return marked === code ? undefined : { code: marked };
  },
  async buildEnd({ writtenFiles }) {
    if (this.format !== "cjs") return;
    for (const { name } of writtenFiles.filter((file) => file.name.endsWith(".cjs"))) {
      const code = await readFile(name, "utf8");
      const lazy = specifiers.reduce((text, specifier) => deferRequire(text, specifier, name), code);
      if (lazy !== code) await writeFile(name, lazy);
    }
  },
});

function deferRequire(code: string, specifier: string, file: string): string {
  const escaped = `${specifier}${LAZY_MARK}`.replace(/[/.?]/g, "\\$&");
  const declaration = new RegExp(`^var (\\w+) = require\\('${escaped}'\\);$`, "m");
  // Imported for nothing it still uses (the code that did was tree-shaken away): required on first use is never.
  const unused = new RegExp(`^require\\('${escaped}'\\);\n`, "m");
  if (unused.test(code)) return code.replace(unused, "");
  const binding = declaration.exec(code)?.[1];
  if (binding === undefined) {
    if (code.includes(`'${specifier}`))
      throw new Error(`lazy-requires: ${file} requires ${specifier} in a form it cannot defer`);
    return code;
  }
  const rest = code.replace(declaration, "");
  if (new RegExp(`(?<![\\w$.])${binding}(?![\\w$.])`).test(rest))
    throw new Error(
      `lazy-requires: ${file} uses ${binding} (${specifier}) other than as \`${binding}.name\``,
    );
  return code
    .replace(new RegExp(`(?<![\\w$.])${binding}\\.`, "g"), `${binding}().`)
    .replace(
      declaration,
      `var ${binding}$; var ${binding} = () => (${binding}$ ??= require('${specifier}'));`,
    );
}

/**
 * The CommonJS files, once every other plugin has rewritten them, are minified, each with a source map of the
 * readable file it was (with that file's text, for `--enable-source-maps`). A program pays for a package's code per
 * byte: Node reads it into a string and V8 parses it, both on the young heap. Minified, core and linux load ~1.5 ms
 * faster here, and a program file that negotiates once allocates less than the first scavenge (2-3 ms) needs.
 */
const minifyCommonJs: NonNullable<Options["plugins"]>[number] = {
  name: "minify-commonjs",
  async buildEnd({ writtenFiles }) {
    if (this.format !== "cjs") return;
    for (const { name } of writtenFiles.filter((file) => file.name.endsWith(".cjs"))) {
      const file = basename(name);
      const minified = await transform(await readFile(name, "utf8"), {
        loader: "js",
        format: "cjs",
        target: "node20",
        platform: "node",
        minify: true,
        charset: "ascii",
        legalComments: "none",
        sourcemap: "external",
        sourcefile: file.replace(/\.cjs$/, ".readable.cjs"),
      });
      await writeFile(name, `${minified.code}//# sourceMappingURL=${file}.map\n`);
      await writeFile(`${name}.map`, minified.map);
    }
  },
};

/** In the CommonJS build, `@negotiate/core/engine` is required as `@negotiate/core`, whose subset it is. */
const engineFromMain: NonNullable<Options["plugins"]>[number] = {
  name: "engine-from-main",
  renderChunk(code) {
    if (this.format !== "cjs" || !code.includes('from "@negotiate/core/engine";')) return;
    return { code: code.replaceAll('from "@negotiate/core/engine";', 'from "@negotiate/core";') };
  },
};

const library = (
  name: string,
  entries: Record<string, string> = {},
  plugins: NonNullable<Options["plugins"]> = [],
  esm?: EsmOverCommonJs,
): Options => ({
  name,
  entry: { index: `packages/${name}/src/index.ts`, ...entries },
  outDir: `packages/${name}/dist`,
  format: ["esm", "cjs"],
  // One copy of shared code per package in CommonJS too: without it `index.cjs` and `engine.cjs` each carry the
  // engine, and a process requiring core and linux loads (and keeps state in) two copies.
  splitting: true,
  // Rollup turns the split chunks into CommonJS (tsup's default, sucrase, also rewrites \`?.\`, \`??\` and class
  // fields into helper calls and init methods: larger code that allocates on the hot path).
  treeshake: true,
  dts: true,
  target: "node20",
  platform: "node",
  sourcemap: false,
  clean: true,
  external,
  tsconfig: "tsconfig.build.json",
  esbuildOptions: quietImportMeta,
  plugins: [
    requireCommonJsImports(["neverthrow"]),
    ...(esm ? [esmOverCommonJs(esm)] : []),
    plainRequireCalls,
    ...plugins,
    minifyCommonJs,
  ],
});

/**
 * Two dependencies do work at import that the command never needs, and that loads Node's stream modules (a
 * good part of its start-up): the bundle gets them patched. Each patch fails the build if its text is gone.
 */
const startUpPatches: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "start-up-patches",
  setup(build) {
    const patches = [
      {
        // commander loads node:child_process (and node:net) for executable subcommands, which negotiate has none
        // of: the bundle loads it on first use instead.
        file: /commander[\\/]lib[\\/]command\.js$/,
        find: "const childProcess = require('node:child_process');",
        replacement:
          "let loadedChildProcess; const childProcess = new Proxy({}, { get: (_, key) => (loadedChildProcess ??= require('node:child_process'))[key] });",
      },
      {
        // picocolors guesses at import whether `process.stdout` is a terminal, creating it; negotiate decides
        // colour itself (`createColors(boolean)`), so the guess is left out.
        file: /picocolors[\\/]picocolors\.js$/,
        find: '((p.stdout || {}).isTTY && env.TERM !== "dumb") || ',
        replacement: "",
      },
    ];
    for (const patch of patches) {
      build.onLoad({ filter: patch.file }, async (args) => {
        const source = await readFile(args.path, "utf8");
        if (!source.includes(patch.find))
          throw new Error(`start-up-patches: ${args.path} no longer has: ${patch.find}`);
        return { contents: source.replace(patch.find, patch.replacement), loader: "js" };
      });
    }
  },
};

// Everything the CLI runs is bundled into it (its package depends on koffi alone).
const cliBundle = {
  target: "node20",
  platform: "node",
  external: ["koffi"],
  noExternal: [/.*/],
  minify: true,
  esbuildOptions(options, context) {
    options.conditions = ["@negotiate/source"];
    quietImportMeta(options, context);
  },
  esbuildPlugins: [startUpPatches],
  tsconfig: "tsconfig.build.json",
} satisfies Options;

/**
 * The libraries core requires on first use only (policy texts, codecs), each bundled into a file of its own next
 * to the program: a command that parses no policy (`probe`, `--help`) neither reads nor compiles them, which
 * costs start-up per byte even with a code cache.
 */
const ON_FIRST_USE = ["yaml", "io-ts"];
const requiredFromOwnFiles: NonNullable<Options["esbuildPlugins"]>[number] = {
  name: "required-from-own-files",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(?:${ON_FIRST_USE.join("|")})$`) }, (args) =>
      args.kind === "require-call" ? { path: `./${args.path}.cjs`, external: true } : undefined,
    );
  },
};
const resolveFromCore = createRequire(join(process.cwd(), "packages", "core", "package.json")).resolve;

/**
 * The `negotiate` executable: the program in one CommonJS file (Node 20 loads that faster than ES module
 * chunks) but for `ON_FIRST_USE`, written inside its module wrapper (`wrapProgram`), its loader `bin.cjs`, and
 * the V8 code cache the loader starts it from, made by running `probe` once.
 */
export function cliCommand(outDir: string): Options {
  return {
    ...cliBundle,
    name: "cli",
    entry: {
      cli: "packages/cli/src/cli.ts",
      bin: "packages/cli/src/bin.ts",
      ...Object.fromEntries(ON_FIRST_USE.map((name) => [name, resolveFromCore(name)])),
    },
    esbuildPlugins: [...cliBundle.esbuildPlugins, requiredFromOwnFiles],
    outDir,
    format: ["cjs"],
    splitting: false,
    // `library/` is another build's.
    clean: ["!library/**"],
    async onSuccess() {
      // A library core stopped requiring by name would be missing from the bundle, not in a file of its own.
      const program = await readFile(join(outDir, "cli.cjs"), "utf8");
      const unused = ON_FIRST_USE.filter((name) => !program.includes(`require("./${name}.cjs")`));
      if (unused.length > 0)
        throw new Error(`required-from-own-files: cli.cjs never requires ${unused.join(", ")}`);
      await writeFile(join(outDir, "cli.cjs"), wrapProgram(program));
      // Made from the real kernel's probe, then a mock one, which starts from the first's cache and writes the
      // functions of both (368 kB instead of 294 kB): the mock probe ~0.03× faster, the real one ~0.01× slower
      // (bench/cli-startup, paired; before the CLI exited at once, the real probe lost ~0.04×).
      const train = (...args: string[]) =>
        spawnSync(process.execPath, [join(outDir, "bin.cjs"), ...args], {
          stdio: "ignore",
          env: { ...process.env, NEGOTIATE_WRITE_CODE_CACHE: "1" },
        });
      // The real probe fails where the build machine denies userfaultfd, and still writes the cache; a mock one
      // never fails.
      const real = train("probe");
      if (!existsSync(join(outDir, "cli.code-cache")))
        throw new Error(`no code cache: negotiate probe exited ${real.status} (${real.error ?? ""})`);
      const mock = train("probe", "--backend", "mock");
      if (mock.status !== 0)
        throw new Error(`no mock probe in the code cache: it exited ${mock.status} (${mock.error ?? ""})`);
    },
  };
}

export default defineConfig([
  library(
    "core",
    {
      engine: "packages/core/src/engine.ts",
      conformance: "packages/core/src/conformance/index.ts",
      landlock: "packages/core/src/landlock/index.ts",
    },
    // A version 2 policy's Landlock section is negotiated by `@negotiate/core/landlock`, required on first use;
    // `node:module` only makes the ES module build's `require`.
    [lazyRequires(["@negotiate/core/landlock", "module"])],
    { subsets: ["engine"], modules: ["conformance"] },
  ),
  library("mock", { vitest: "packages/mock/src/test-kit/index.ts" }),
  // `node:module` makes only the ES module build's `require` (the CommonJS build has its own), `node:os` is
  // needed once a release is read. Linux imports core's engine, all it needs (a bundle of both, the CLI, sets up
  // nothing else for it); the published build requires core's main entry instead, which the engine is a subset
  // of: one file fewer.
  library("linux", {}, [lazyRequires(["@negotiate/core/landlock", "module", "os"]), engineFromMain], {}),
  cliCommand("packages/cli/dist"),
  {
    // `main()` for in-process use, ESM and CommonJS.
    ...cliBundle,
    name: "cli-library",
    entry: { index: "packages/cli/src/index.ts" },
    outDir: "packages/cli/dist/library",
    format: ["esm", "cjs"],
    splitting: false,
    // The bundled CommonJS dependencies (commander) require Node's built-ins: an ES module has no `require`.
    banner: ({ format }) =>
      format === "esm"
        ? {
            js: 'import { createRequire as __negotiateRequire } from "node:module"; const require = __negotiateRequire(import.meta.url);',
          }
        : {},
    // Its types mention no workspace package; the sources are read for checking, not the (maybe unbuilt) dists.
    dts: { compilerOptions: { paths: { "@negotiate/*": ["packages/*/src/index.ts"] } } },
    clean: true,
  },
]);

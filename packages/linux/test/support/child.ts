import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Options } from "tsup";
import { fromJson } from "./bigint-json.js";

/** How to run a fixture: as uid/gid 65534 without capabilities, and/or under a low RLIMIT_NOFILE. */
export interface ChildOptions {
  readonly unprivileged?: boolean;
  readonly nofile?: number;
  /** Text written to the child's stdin. */
  readonly input?: string;
}

// tsup's own esbuild (a dependency of the root's tsup): its synchronous build keeps runFixture synchronous.
type BuildOptions = Parameters<NonNullable<Options["esbuildOptions"]>>[0];
const esbuild = createRequire(createRequire(import.meta.url).resolve("tsup"))("esbuild") as {
  buildSync(options: BuildOptions): unknown;
};

// koffi's package and the platform packages next to it (`@koromix/koffi-linux-x64`), where koffi looks for its
// native module: `../../../@koromix/koffi-<platform>` from its own sources.
const koffiPackage = dirname(realpathSync(createRequire(import.meta.url).resolve("koffi")));

/**
 * A fresh folder in the system's temporary directory that uid 65534 can read, with a copy of koffi in its
 * `node_modules`: what an unprivileged child runs must be there, because it cannot read a checkout inside a
 * 0700 folder (`mktemp -d`, many home folders). `remove()` deletes it.
 */
export function readableFolder(): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "negotiate-child-"));
  const remove = () => rmSync(path, { recursive: true, force: true });
  try {
    chmodSync(path, 0o755);
    const copy = { recursive: true, dereference: true } as const;
    cpSync(koffiPackage, join(path, "node_modules", "koffi"), copy);
    cpSync(join(koffiPackage, "..", "@koromix"), join(path, "node_modules", "@koromix"), copy);
    return { path, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * Runs a TypeScript fixture in a child process and parses the JSON it prints. The fixture is bundled, with the
 * workspace sources it imports, into a {@link readableFolder} and run from there, so that it needs to read
 * nothing of the checkout; the folder is removed afterwards.
 */
export function runFixture<T>(script: URL, options: ChildOptions = {}): T {
  const child = runFixtureProcess(script, options);
  if (child.status !== 0)
    throw new Error(
      `fixture ${script.pathname} exited with ${child.status ?? child.signal}: ${child.stderr}`,
    );
  return fromJson<T>(child.stdout);
}

/** How a fixture's process ended and what it printed. */
export interface FixtureProcess {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a fixture as `runFixture` does, whatever its exit status (for fixtures that exec or exit non-zero). */
export function runFixtureProcess(script: URL, options: ChildOptions = {}): FixtureProcess {
  const folder = readableFolder();
  try {
    const entry = join(folder.path, "fixture.mjs");
    esbuild.buildSync({
      entryPoints: [fileURLToPath(script)],
      outfile: entry,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["@negotiate/source"],
      external: ["koffi"],
      // Bundled CommonJS dependencies (yaml) may call `require` for Node's own modules.
      banner: { js: FIXTURE_REQUIRE },
      logLevel: "error",
    });
    const command = [
      ...(options.nofile === undefined ? [] : ["prlimit", `--nofile=${options.nofile}:${options.nofile}`]),
      ...(options.unprivileged ? UNPRIVILEGED : []),
      process.execPath,
      entry,
    ];
    const child = spawnSync(command[0]!, command.slice(1), {
      cwd: folder.path,
      encoding: "utf8",
      input: options.input ?? "",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (child.error) throw child.error;
    return { status: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
  } finally {
    folder.remove();
  }
}

const FIXTURE_REQUIRE =
  'import { createRequire as createFixtureRequire } from "node:module"; const require = createFixtureRequire(import.meta.url);';

/** `setpriv` arguments that run the rest of the command as uid/gid 65534 without groups or capabilities. */
export const UNPRIVILEGED = [
  "setpriv",
  "--reuid=65534",
  "--regid=65534",
  "--clear-groups",
  "--inh-caps=-all",
];

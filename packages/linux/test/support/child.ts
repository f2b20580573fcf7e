import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromJson } from "./bigint-json.js";

/** How to run a fixture: as uid/gid 65534 without capabilities, and/or under a low RLIMIT_NOFILE. */
export interface ChildOptions {
  readonly unprivileged?: boolean;
  readonly nofile?: number;
  /** Text written to the child's stdin. */
  readonly input?: string;
}

// tsup's own esbuild (a dependency of the root's tsup): its synchronous build keeps runFixture synchronous.
const esbuild = createRequire(createRequire(import.meta.url).resolve("tsup"))(
  "esbuild",
) as typeof import("esbuild");

// koffi's package and the platform packages next to it (`@koromix/koffi-linux-x64`), where koffi looks for its
// native module: `../../../@koromix/koffi-<platform>` from its own sources.
const koffiPackage = dirname(realpathSync(createRequire(import.meta.url).resolve("koffi")));

/**
 * Runs a TypeScript fixture in a child process and parses the JSON it prints. The fixture is bundled (with the
 * workspace sources it imports) into a fresh folder of the system's temporary directory, with a copy of koffi,
 * and run from there: uid 65534 cannot read a checkout inside a 0700 folder (`mktemp -d`, many home folders),
 * and needs to read nothing of it. The folder is removed afterwards.
 */
export function runFixture<T>(script: URL, options: ChildOptions = {}): T {
  const folder = mkdtempSync(join(tmpdir(), "negotiate-fixture-"));
  try {
    chmodSync(folder, 0o755); // readable by the unprivileged child
    const entry = join(folder, "fixture.mjs");
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
      banner: {
        js: 'import { createRequire as createRequireOfFixture } from "node:module"; const require = createRequireOfFixture(import.meta.url);',
      },
      logLevel: "error",
    });
    cpSync(koffiPackage, join(folder, "node_modules", "koffi"), { recursive: true, dereference: true });
    cpSync(join(koffiPackage, "..", "@koromix"), join(folder, "node_modules", "@koromix"), {
      recursive: true,
      dereference: true,
    });
    const command = [
      ...(options.nofile === undefined ? [] : ["prlimit", `--nofile=${options.nofile}:${options.nofile}`]),
      ...(options.unprivileged
        ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
        : []),
      process.execPath,
      entry,
    ];
    const stdout = execFileSync(command[0]!, command.slice(1), {
      cwd: folder,
      encoding: "utf8",
      input: options.input ?? "",
      maxBuffer: 64 * 1024 * 1024,
    });
    return fromJson<T>(stdout);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

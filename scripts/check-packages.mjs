#!/usr/bin/env node
// Packs every package as it would be published, lints the tarballs (publint --strict, attw), then installs them
// with plain npm into an empty folder outside the workspace and uses them from there as an app would.
import { execFile, execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const packages = readdirSync(join(root, "packages"));
const work = mkdtempSync(join(tmpdir(), "negotiate-packages-"));
const results = [];

const options = { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] };
const run = (command, args, extra = {}) => execFileSync(command, args, { ...options, ...extra });
// The same, as a promise: the packing and linting of the packages run two at a time (this machine's cores).
const runAsync = (command, args, extra = {}) =>
  new Promise((resolve, reject) =>
    execFile(command, args, { ...options, ...extra }, (error, stdout, stderr) =>
      error ? reject(Object.assign(error, { stdout, stderr })) : resolve(stdout),
    ),
  );

function report(name, started, error) {
  results.push({ name, ok: error === undefined });
  if (error === undefined)
    console.log(`ok     ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  else
    console.log(
      `FAILED ${name}\n${error.stdout ?? ""}${error.stderr ?? ""}${error.stdout || error.stderr ? "" : error.message}`,
    );
}

function check(name, body) {
  const started = performance.now();
  try {
    body();
    report(name, started);
  } catch (error) {
    report(name, started, error);
  }
}

/** Runs `checks` (each `[name, async body]`) two at a time; results are reported as each ends. */
async function checkConcurrently(checks) {
  const pending = [...checks];
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const [name, body] = next;
      const started = performance.now();
      await body().then(
        () => report(name, started),
        (error) => report(name, started, error),
      );
    }
  };
  await Promise.all([worker(), worker()]);
}

const tarballs = {};
await checkConcurrently(
  packages.map((dir) => [
    `pack @negotiate/${dir}`,
    async () => {
      const out = await runAsync("npx", ["-y", "pnpm@12.4.2", "pack", "--pack-destination", work], {
        cwd: join(root, "packages", dir),
      });
      tarballs[dir] = out.trim().split("\n").at(-1);
    },
  ]),
);
await checkConcurrently(
  Object.entries(tarballs).flatMap(([dir, tarball]) => [
    [
      `publint --strict @negotiate/${dir}`,
      async () => {
        const out = await runAsync("npx", ["publint", "--strict", tarball], { cwd: root });
        if (!out.includes("All good!")) throw Object.assign(new Error("publint"), { stdout: out });
      },
    ],
    [
      `attw @negotiate/${dir}`,
      () => runAsync("npx", ["attw", "--profile", "node16", tarball], { cwd: root }),
    ],
  ]),
);

const app = join(work, "app");
check("npm install of the tarballs into an empty folder", () => {
  mkdirSync(app, { recursive: true });
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "smoke-app", private: true, version: "0.0.0" }),
  );
  // The tarballs' own dependencies (neverthrow, io-ts, yaml, koffi, …) come from npm's cache when it has them
  // (--prefer-offline), from the registry otherwise: the one step of this script that may need the network.
  run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
      ...Object.values(tarballs),
    ],
    {
      cwd: app,
    },
  );
});
const negotiation = `
  const policy = core.definePolicy({ features: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID", "MOVE"] } })._unsafeUnwrap();
  const session = core.negotiate(policy, { backend: mock.mockBackend({ kernel: "6.1.30", arch: "x86_64" }) })._unsafeUnwrap();
  if (!session.enabled.MISSING_SHMEM || !session.enabled.THREAD_ID || session.enabled.MOVE) throw new Error("wrong enabled set");
  session.close();
  console.log("negotiated", session.enabledSet.names().join(","));`;
check("ESM import and a negotiation against the mock", () => {
  writeFileSync(
    join(app, "esm.mjs"),
    `import * as core from "@negotiate/core"; import * as mock from "@negotiate/mock"; import * as linux from "@negotiate/linux"; import { createRequire } from "node:module";\nif (typeof linux.linuxBackend !== "function") throw new Error("linux");\n// The ES module entries are wrappers over the CommonJS build: one copy of the code in a process that imports and requires.\nif (core.processKnowledge !== createRequire(import.meta.url)("@negotiate/core").processKnowledge) throw new Error("two copies");${negotiation}`,
  );
  const out = run("node", ["esm.mjs"], { cwd: app });
  if (!out.includes("negotiated MISSING_SHMEM,THREAD_ID"))
    throw Object.assign(new Error("esm"), { stdout: out });
});
check("CJS require and a negotiation against the mock", () => {
  writeFileSync(
    join(app, "cjs.cjs"),
    `const core = require("@negotiate/core"); const mock = require("@negotiate/mock"); const linux = require("@negotiate/linux");\nif (typeof linux.linuxBackend !== "function") throw new Error("linux");\n// One engine in the process: the main entry and the engine entry (which the backends require) share it.\nif (core.processKnowledge !== require("@negotiate/core/engine").processKnowledge) throw new Error("two engines");${negotiation}`,
  );
  const out = run("node", ["cjs.cjs"], { cwd: app });
  if (!out.includes("negotiated MISSING_SHMEM,THREAD_ID"))
    throw Object.assign(new Error("cjs"), { stdout: out });
});
check("the installed negotiate binary", () => {
  const out = run(
    join(app, "node_modules", ".bin", "negotiate"),
    ["probe", "--backend", "mock", "--kernel", "6.18", "--json"],
    { cwd: app },
  );
  if (!JSON.parse(out).supported?.includes("MOVE")) throw Object.assign(new Error("binary"), { stdout: out });
});

check("every tarball carries a README and a LICENSE, and names no placeholder host", () => {
  for (const [dir, tarball] of Object.entries(tarballs)) {
    const listing = run("tar", ["-tzf", tarball]).split("\n");
    for (const file of ["package/README.md", "package/LICENSE"])
      if (!listing.includes(file)) throw new Error(`@negotiate/${dir}: no ${file} in ${tarball}`);
    const manifest = run("tar", ["-xzOf", tarball, "package/package.json"]);
    if (/example\.(invalid|com)|placeholder/i.test(manifest))
      throw new Error(`@negotiate/${dir}: package.json names a placeholder host`);
  }
});

/**
 * The app of the README's "Use it in your app" section, built from its own code blocks (each starts with
 * `// file: PATH` or `# file: PATH`) in the folder the tarballs were installed into, and compiled, run and
 * tested as the section's commands do. The section's `npm install --save-dev typescript vitest @types/node`
 * is the one step done differently: those three come from this workspace's installed copies (linked), so that
 * the check needs no registry and no network.
 */
const FILE_MARKER = /^(?:\/\/|#) file: (\S+)/;
function readmeApp() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("\n## Use it in your app\n");
  if (start === -1) throw new Error('README.md has no "## Use it in your app" section');
  const next = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, next === -1 ? undefined : next);
  const files = [...section.matchAll(/```\w*\n([\s\S]*?)```/g)].flatMap(([, body]) => {
    const marker = FILE_MARKER.exec(body);
    return marker ? [{ path: marker[1], body }] : [];
  });
  for (const wanted of [
    "tsconfig.json",
    "policy.yaml",
    "src/main.ts",
    "src/check.cts",
    "test/negotiation.test.ts",
  ])
    if (!files.some((file) => file.path === wanted)) throw new Error(`the README's app has no ${wanted}`);
  return files;
}

const workspaceCopy = (name) => realpathSync(join(root, "node_modules", name));
check(
  "the README's app: ESM and CJS, a preset, a policy typed from its file, five kernels with the test kit",
  () => {
    for (const { path, body } of readmeApp()) {
      mkdirSync(dirname(join(app, path)), { recursive: true });
      writeFileSync(join(app, path), body);
    }
    run("npm", ["pkg", "set", "type=module"], { cwd: app });
    for (const name of ["vitest", "@types/node"]) {
      mkdirSync(dirname(join(app, "node_modules", name)), { recursive: true });
      symlinkSync(workspaceCopy(name), join(app, "node_modules", name), "dir");
    }
    const negotiate = join(app, "node_modules", ".bin", "negotiate");
    run(negotiate, ["check", "policy.yaml"], { cwd: app });
    writeFileSync(join(app, "src", "policy.gen.ts"), run(negotiate, ["types", "policy.yaml"], { cwd: app }));
    run(process.execPath, [join(workspaceCopy("typescript"), "bin", "tsc")], { cwd: app });
    const esm = run(process.execPath, ["dist/src/main.js"], { cwd: app });
    if (!/^enabled \{.*MISSING_SHMEM.*\}; MISSING_SHMEM true, THREAD_ID (true|false)\n$/.test(esm))
      throw Object.assign(new Error("src/main.ts"), { stdout: esm });
    const cjs = run(process.execPath, ["dist/src/check.cjs"], { cwd: app });
    if (!/^5\.15: enabled \{.*MISSING_SHMEM.*\}\n$/.test(cjs))
      throw Object.assign(new Error("src/check.cts"), { stdout: cjs });
    const tests = run(
      process.execPath,
      [join(workspaceCopy("vitest"), "vitest.mjs"), "run", "--dir", "test"],
      {
        cwd: app,
        env: { ...process.env, NO_COLOR: "1", CI: "1" },
      },
    );
    if (!/Tests\s+7 passed \(7\)/.test(tests)) throw Object.assign(new Error("vitest"), { stdout: tests });
  },
);
check("@negotiate/cli imports as an ES module and requires as CommonJS", () => {
  const script = (load) =>
    `${load}; const out = []; const io = { stdout: { write: (t) => out.push(t) }, stderr: { write: () => {} }, env: {} };
     cli.main(["probe", "--kernel", "6.18", "--json"], io).then((code) => { if (code !== 0 || !JSON.parse(out.join("")).ok) process.exit(1); console.log("ok"); });`;
  writeFileSync(join(app, "cli-esm.mjs"), script('import * as cli from "@negotiate/cli"'));
  writeFileSync(join(app, "cli-cjs.cjs"), script('const cli = require("@negotiate/cli")'));
  for (const file of ["cli-esm.mjs", "cli-cjs.cjs"]) {
    const out = run(process.execPath, [file], { cwd: app });
    if (out !== "ok\n") throw Object.assign(new Error(file), { stdout: out });
  }
});

rmSync(work, { recursive: true, force: true });
const failed = results.filter((result) => !result.ok).length;
console.log(`\npackages: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

#!/usr/bin/env node
// Packs every package as it would be published, lints the tarballs (publint --strict, attw), then installs them
// with plain npm into an empty folder outside the workspace and uses them from there as an app would.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const packages = readdirSync(join(root, "packages"));
const work = mkdtempSync(join(tmpdir(), "negotiate-packages-"));
const results = [];

const run = (command, args, options = {}) =>
  execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });

function check(name, body) {
  try {
    body();
    results.push({ name, ok: true });
    console.log(`ok     ${name}`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(
      `FAILED ${name}\n${error.stdout ?? ""}${error.stderr ?? ""}${error.stdout || error.stderr ? "" : error.message}`,
    );
  }
}

const tarballs = {};
for (const dir of packages) {
  check(`pack @negotiate/${dir}`, () => {
    const out = run("npx", ["-y", "pnpm@12.4.2", "pack", "--pack-destination", work], {
      cwd: join(root, "packages", dir),
    });
    tarballs[dir] = out.trim().split("\n").at(-1);
  });
}
for (const [dir, tarball] of Object.entries(tarballs)) {
  check(`publint --strict @negotiate/${dir}`, () => {
    const out = run("npx", ["publint", "--strict", tarball], { cwd: root });
    if (!out.includes("All good!")) throw Object.assign(new Error("publint"), { stdout: out });
  });
  check(`attw @negotiate/${dir}`, () => run("npx", ["attw", "--profile", "node16", tarball], { cwd: root }));
}

const app = join(work, "app");
check("npm install of the tarballs into an empty folder", () => {
  mkdirSync(app, { recursive: true });
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "smoke-app", private: true, version: "0.0.0" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...Object.values(tarballs)], {
    cwd: app,
  });
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
    `import * as core from "@negotiate/core"; import * as mock from "@negotiate/mock"; import * as linux from "@negotiate/linux";\nif (typeof linux.linuxBackend !== "function") throw new Error("linux");${negotiation}`,
  );
  const out = run("node", ["esm.mjs"], { cwd: app });
  if (!out.includes("negotiated MISSING_SHMEM,THREAD_ID"))
    throw Object.assign(new Error("esm"), { stdout: out });
});
check("CJS require and a negotiation against the mock", () => {
  writeFileSync(
    join(app, "cjs.cjs"),
    `const core = require("@negotiate/core"); const mock = require("@negotiate/mock"); const linux = require("@negotiate/linux");\nif (typeof linux.linuxBackend !== "function") throw new Error("linux");${negotiation}`,
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

rmSync(work, { recursive: true, force: true });
const failed = results.filter((result) => !result.ok).length;
console.log(`\npackages: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

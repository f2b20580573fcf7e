// Run by light-import.test.ts in a fresh process: `esm` or `cjs` names the build used. Prints, after each
// step, every module file loaded so far (ES modules through the hook's log, CommonJS ones from require.cache).
import { readFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const log = process.env.MODULE_LOG;
register("./log-modules-hook.mjs", import.meta.url, { data: { log } });
const require = createRequire(`${process.cwd()}/package.json`);
const loaded = () => [
  ...readFileSync(log, "utf8").split("\n").filter(Boolean),
  ...Object.keys(require.cache),
];
const steps = {};
const esm = process.argv[2] === "esm";
const core = esm ? await import("@negotiate/core") : require("@negotiate/core");
const mock = esm ? await import("@negotiate/mock") : require("@negotiate/mock");
const policy = core.definePolicy({ features: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID"] } });
const session = core.negotiate(policy._unsafeUnwrap(), { backend: mock.mockBackend({ kernel: "6.8" }) });
steps.negotiated = { ok: session.isOk(), modules: loaded() };
core.parsePolicy("version: 1\n", { format: "yaml" });
steps.parsedYaml = { modules: loaded() };
core.PolicyFileCodec.decode({ version: 1 });
steps.decodedWithCodec = { modules: loaded() };
process.stdout.write(JSON.stringify(steps));

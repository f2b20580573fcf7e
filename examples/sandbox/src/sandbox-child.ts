// The sandbox's child: `sandbox-child.ts POLICY -- COMMAND [ARGS…]`. Negotiates the policy's landlock: section
// with this kernel, adds its rules, restricts this (fresh, single-purpose) process, then spawns the command from
// the confined thread: a process spawned after restricting is confined whole, every thread of it. Prints the
// report as one JSON line on fd 3, then exits with the command's exit code (126 when it could not be confined).
import { spawnSync } from "node:child_process";
import { writeSync } from "node:fs";
import { loadMultiPolicy } from "@negotiate/core";
import { negotiateLandlock } from "@negotiate/core/landlock";
import { landlockBackend } from "@negotiate/linux";

const [policyFile, separator, command, ...args] = process.argv.slice(2);
const report = (value: unknown) => writeSync(3, `${JSON.stringify(value)}\n`);
const refuse = (message: string) => {
  report({ ok: false, message });
  process.exit(126);
};

if (!policyFile || separator !== "--" || !command) refuse("usage: sandbox-child POLICY -- COMMAND [ARGS…]");
const policy = loadMultiPolicy(policyFile!);
if (policy.isErr()) refuse(policy.error.message);
const section = policy._unsafeUnwrap().landlock;
if (!section) refuse(`${policyFile}: the policy has no landlock: section`);
const port = landlockBackend();
if (port.isErr()) refuse(port.error.message);
const confined = negotiateLandlock(section!, { backend: port._unsafeUnwrap() }).andThen((session) =>
  session.enforce().map((enforcement) => ({ session, enforcement })),
);
if (confined.isErr()) refuse(confined.error.message);
const { session, enforcement } = confined._unsafeUnwrap();
report({
  ok: true,
  abi: session.abi,
  coverage: session.coverage,
  rights: session.rights.map(({ name, status }) => ({ name, status })),
  restricted: enforcement.restricted,
  warnings: enforcement.warnings,
});
const run = spawnSync(command!, args, { stdio: "inherit" });
process.exit(run.status ?? 128);

import { readFileSync } from "node:fs";
import type { LandlockPolicy, LandlockRightName } from "@negotiate/core/landlock";
import { ok } from "neverthrow";
import { landlockPolicy, probeGrant } from "../../../core/test/landlock/support/probe-grant.js";
import { type ExecFlags, execCommand } from "../../src/exec-command.js";

/** What the parent asks: exec's flags, the command, and the policy's landlock section, built in code. */
interface Request {
  readonly flags: ExecFlags;
  readonly command: string[];
  readonly policy: Partial<LandlockPolicy<LandlockRightName, LandlockRightName>>;
}

const request = JSON.parse(readFileSync(0, "utf8")) as Request;
const policy = landlockPolicy<LandlockRightName, LandlockRightName>(request.policy);
const writer = (fd: number) => ({
  write: (text: string) => process[fd === 1 ? "stdout" : "stderr"].write(text),
});
// The CLI's exec, with the policy given here and a probe negotiation, until policy files have a landlock: section.
process.exitCode = await execCommand(
  request.flags,
  request.command,
  { stdout: writer(1), stderr: writer(2), env: {} },
  { readPolicy: () => ok(policy), negotiate: (port, section) => ok(probeGrant(port, section)) },
);

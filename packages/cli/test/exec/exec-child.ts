import { readFileSync } from "node:fs";
import type { LandlockPolicy, LandlockRightName } from "@negotiate/core/landlock";
import { ok } from "neverthrow";
import { landlockPolicy } from "../../../core/test/landlock/support/negotiated-grant.js";
import { type ExecFlags, execCommand } from "../../src/exec-command.js";
import { EXEC_STEPS } from "../../src/exec-steps.js";

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
// The CLI's exec, with the policy given here until policy files have a landlock: section.
process.exitCode = await execCommand(
  request.flags,
  request.command,
  { stdout: writer(1), stderr: writer(2), env: {} },
  { ...EXEC_STEPS, readPolicy: () => ok(policy) },
);

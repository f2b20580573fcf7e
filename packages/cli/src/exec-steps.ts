import { resolve } from "node:path";
import { loadMultiPolicy } from "@negotiate/core";
import { negotiateLandlock } from "@negotiate/core/landlock";
import { err, ok } from "neverthrow";
import type { ExecSteps } from "./exec-command.js";

/** The steps `negotiate exec` runs with: the policy file's `landlock:` section, negotiated with this kernel. */
export const EXEC_STEPS: ExecSteps = {
  readPolicy: (file) =>
    loadMultiPolicy(resolve(file)).andThen((policy) => {
      if (policy.landlock) return ok(policy.landlock);
      const message = `${file} has no landlock: section: exec confines a command with the rights and rules it declares (version: 2, landlock: { required: […], rules: […] })`;
      return err({ kind: "invalid-policy" as const, issues: [{ path: "landlock", message, file }], message });
    }),
  negotiate: (port, policy) => negotiateLandlock(policy, { backend: port }),
};

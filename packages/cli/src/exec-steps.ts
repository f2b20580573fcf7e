import { negotiateLandlockGrant } from "@negotiate/core/landlock";
import { err } from "neverthrow";
import type { ExecSteps } from "./exec-command.js";

// Version 2 policies (the `landlock:` section) are read by `loadMultiPolicy`, which this build does not have yet:
// exec says so instead of guessing.
const NOT_YET =
  "negotiate exec needs version 2 policies with a landlock: section, which this build cannot read yet";

/** The steps `negotiate exec` runs with. */
export const EXEC_STEPS: ExecSteps = {
  readPolicy: (file) =>
    err({
      kind: "invalid-policy",
      issues: [{ path: "", message: NOT_YET, file }],
      message: `${file}: ${NOT_YET}`,
    }),
  negotiate: (port, policy) => negotiateLandlockGrant(policy, { backend: port }),
};

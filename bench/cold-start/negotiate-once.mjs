// A short-lived program as an app writes it (ES module): the policy in code, the real kernel, one negotiation.
import { definePolicy, negotiate } from "@negotiate/core";
import { linuxBackend } from "@negotiate/linux";

const outcome = definePolicy({
  features: { required: ["MOVE"], optional: ["WP_ASYNC", "THREAD_ID"] },
}).andThen((policy) => linuxBackend().andThen((backend) => negotiate(policy, { backend })));
if (outcome.isErr()) {
  console.error(outcome.error.kind, outcome.error.message);
  process.exit(1);
}
outcome.value.close();

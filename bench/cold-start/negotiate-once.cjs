// The same program as CommonJS.
const { definePolicy, negotiate } = require("@negotiate/core");
const { linuxBackend } = require("@negotiate/linux");

const outcome = definePolicy({
  features: { required: ["MOVE"], optional: ["WP_ASYNC", "THREAD_ID"] },
}).andThen((policy) => linuxBackend().andThen((backend) => negotiate(policy, { backend })));
if (outcome.isErr()) {
  console.error(outcome.error.kind, outcome.error.message);
  process.exit(1);
}
outcome.value.close();

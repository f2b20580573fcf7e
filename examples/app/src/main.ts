import { linuxBackend } from "@negotiate/linux";
import { formatReport } from "./format-report.js";
import { startApp } from "./start-app.js";

// Usage: main.ts [policy.yaml]   (default: the agent's own policy.yaml)
const policyPath = process.argv[2];
const backend = linuxBackend();
if (backend.isErr()) {
  console.error(
    `snapshot-agent: no real kernel to negotiate with (${backend.error.message}).\n` +
      "Its tests run it on simulated kernels instead: npx vitest run examples/app",
  );
  process.exitCode = 2;
} else {
  const started = startApp({ backend: backend.value, ...(policyPath === undefined ? {} : { policyPath }) });
  if (started.isOk()) console.log(formatReport(started.value));
  else {
    console.error(started.error.message);
    process.exitCode = 1;
  }
}

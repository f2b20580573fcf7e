import { expect, it } from "vitest";
import { landlockBackend } from "../../src/index.js";
import { runFixture } from "../support/child.js";

interface Report {
  readonly sessions: number;
  readonly outcomes: Record<string, number>;
  readonly fdsLeft: number;
}

const abi = landlockBackend().andThen((port) => port.abiVersion());
const fixture = new URL("./fixtures/many-sessions.ts", import.meta.url);

// In children (a session may restrict the process that enforces it), under a low RLIMIT_NOFILE for EMFILE.
it.runIf(abi.isOk() && abi.value >= 4 && abi.value < 8).each([
  ["root", false],
  ["uid 65534", true],
] as const)("10,000 Landlock sessions as %s, failures included, leave no fd open", (_who, unprivileged) => {
  const report = runFixture<Report>(fixture, { unprivileged, nofile: 96 });
  expect(report.sessions).toBe(10_000);
  const seen = Object.keys(report.outcomes).join("\n");
  for (const kind of [
    "rules added+added",
    "rules added+skipped",
    "rules invalid-policy",
    "rules resource-exhausted",
    "enforce threads-unconfined",
    "enforce resource-exhausted",
    "enforce ok (restricted: false)",
  ])
    expect(seen, kind).toContain(kind);
  // EMFILE at create_ruleset: the negotiation's own error (run-unconfined rounds run unconfined instead).
  expect(seen).toMatch(/^negotiation resource-exhausted$/m);
  expect(report.fdsLeft).toBe(0);
});

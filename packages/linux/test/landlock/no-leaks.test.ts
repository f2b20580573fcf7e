import { expect, it } from "vitest";
import { landlockBackend } from "../../src/index.js";
import { runFixture } from "../support/child.js";

interface Report {
  readonly operations: number;
  readonly outcomes: Record<string, number>;
  readonly fdsLeft: number;
}

const abi = landlockBackend().andThen((port) => port.abiVersion());
const fixture = new URL("./fixtures/many-port-operations.ts", import.meta.url);

// In children: the operations restrict the process that makes them. A low RLIMIT_NOFILE makes EMFILE reachable.
it.runIf(abi.isOk() && abi.value >= 4).each([
  ["root", false, ["ok", "ENOMSG", "EINVAL", "E2BIG", "EBADF", "EBADFD", "EMFILE"]],
  ["uid 65534", true, ["ok", "ENOMSG", "EINVAL", "E2BIG", "EBADF", "EBADFD", "EMFILE", "EPERM"]],
] as const)(
  "10,000 port operations as %s, failures included, leave the fd count unchanged",
  (_who, unprivileged, kinds) => {
    const report = runFixture<Report>(fixture, { unprivileged, nofile: 96 });
    expect(report.operations).toBeGreaterThanOrEqual(10_000);
    for (const kind of kinds) expect(report.outcomes[kind], kind).toBeGreaterThan(0);
    expect(report.fdsLeft).toBe(0);
  },
);

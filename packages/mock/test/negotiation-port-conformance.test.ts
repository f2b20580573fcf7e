import { userfaultfdNegotiationPort } from "@negotiate/core";
import { negotiationPortConformance } from "@negotiate/core/conformance";
import { LANDLOCK_CHANNEL, landlockNegotiationPort } from "@negotiate/core/landlock";
import { landlockMockBackend, landlockMockScenario, mockBackend } from "@negotiate/mock";

// Both interfaces' generic ports keep the one contract the strategies are written with.
for (const kernel of ["5.15.0", "6.1.26", "6.18.0"] as const) {
  const backend = mockBackend({ kernel, capSysPtrace: true });
  negotiationPortConformance({
    name: `userfaultfd on mock ${kernel}`,
    create: () => userfaultfdNegotiationPort(backend),
    channel: { key: "syscall", mode: "syscall", closeOnExec: true, nonBlocking: true, fallback: false },
    rejectedWith: ["EINVAL"],
    unknownRequest: 1n << 40n,
    openFds: () => backend.openFds(),
  });
}

// 6.0.y drops unknown bits instead of refusing them: the contract holds without that check.
const dropping = mockBackend({ kernel: "6.0.5", capSysPtrace: true });
negotiationPortConformance({
  name: "userfaultfd on mock 6.0.5 (drops unknown bits)",
  create: () => userfaultfdNegotiationPort(dropping),
  channel: { key: "syscall", mode: "syscall", closeOnExec: true, nonBlocking: true, fallback: false },
  rejectedWith: ["EINVAL"],
  openFds: () => dropping.openFds(),
});

for (const [name, port] of [
  ["mock 5.15", landlockMockBackend({ kernel: "5.15.0" })],
  ["mock 6.18", landlockMockBackend({ kernel: "6.18.0" })],
  ["mock 7.2", landlockMockBackend({ kernel: "7.2.0" })],
  ["RHEL 9.7", landlockMockScenario("rhel-9.7")],
] as const) {
  negotiationPortConformance({
    name: `landlock on ${name}`,
    create: () => landlockNegotiationPort(port),
    channel: LANDLOCK_CHANNEL,
    rejectedWith: ["EINVAL", "E2BIG"],
    unknownRequest: 1n << 63n,
    openFds: () => port.openFds(),
  });
}

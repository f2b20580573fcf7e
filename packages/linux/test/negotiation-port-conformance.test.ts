import { userfaultfdNegotiationPort } from "@negotiate/core";
import { negotiationPortConformance } from "@negotiate/core/conformance";
import { LANDLOCK_CHANNEL, landlockNegotiationPort } from "@negotiate/core/landlock";
import { landlockBackend, linuxBackend } from "@negotiate/linux";
import { describe, it } from "vitest";
import { openFdCount } from "./support/fixture-output.js";

// The real kernel behind both interfaces' generic ports (nothing here restricts the runner: no restrict_self).
const uffd = linuxBackend();
const isRoot = process.getuid?.() === 0;
if (uffd.isOk() && isRoot) {
  negotiationPortConformance({
    name: "userfaultfd on this kernel",
    create: () => userfaultfdNegotiationPort(uffd.value),
    channel: { key: "syscall", mode: "syscall", closeOnExec: true, nonBlocking: true, fallback: false },
    rejectedWith: ["EINVAL"],
    unknownRequest: 1n << 40n,
    openFds: () => [openFdCount()],
  });
} else {
  describe("negotiation port contract: userfaultfd on this kernel", () => {
    it.skip(`needs the Linux backend and root (${uffd.isErr() ? uffd.error.message : "not root"})`, () => {});
  });
}

const landlock = landlockBackend();
const hasLandlock = landlock.isOk() && landlock.value.abiVersion().isOk();
if (hasLandlock) {
  negotiationPortConformance({
    name: "landlock on this kernel",
    create: () => landlockNegotiationPort(landlock._unsafeUnwrap()),
    channel: LANDLOCK_CHANNEL,
    rejectedWith: ["EINVAL", "E2BIG"],
    unknownRequest: 1n << 63n,
    openFds: () => [openFdCount()],
  });
} else {
  describe("negotiation port contract: landlock on this kernel", () => {
    it.skip("needs Landlock on this kernel (the ABI version query failed)", () => {});
  });
}

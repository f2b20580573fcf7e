import { backendConformance } from "@negotiate/core/conformance";
import { FakeBackend } from "./support/fake-backend.js";

// The suite itself is checked against the scripted fake, privileged and not.
backendConformance({ name: "scripted fake, privileged", create: () => new FakeBackend() });
backendConformance({
  name: "scripted fake, no CAP_SYS_PTRACE",
  create: () => new FakeBackend({ forkAllowed: false }),
  can: { eventFork: false },
});
backendConformance({
  name: "scripted fake, 4.3-4.10",
  create: () => new FakeBackend({ onlyZero: true }),
  can: { features: false },
});

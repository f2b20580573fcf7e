import type { HostProfile } from "@negotiate/core";

/** What the Linux backend captures as uid 65534 on this machine's 6.18 (reference §5). */
export const unprivileged618: HostProfile = {
  format: "negotiate-host-profile",
  version: 1,
  capturedAt: "2026-01-01T00:00:00.000Z",
  kernel: { release: "6.18.0", arch: "x86_64" },
  privileges: { uid: 65534, capSysPtrace: false, unprivilegedUserfaultfd: 0 },
  api: { supported: 0x1ffffn, ioctls: 0x8000000000000003n },
  openModes: { syscall: { errno: "EPERM" }, device: { errno: "EACCES" }, "user-mode-only": "ok" },
  eventFork: { errno: "EPERM" },
};

import {
  type FeatureName,
  FeatureSet,
  type HostProfile,
  type OpenAttempt,
  type PermissionCause,
  UFFD_API,
} from "@negotiate/core";
import { beforeAll, describe, expect, it } from "vitest";
import { linuxBackend } from "../src/index.js";
import { runFixture } from "./support/child.js";

interface Failure {
  readonly kind: string;
  readonly errno?: string;
  readonly cause?: PermissionCause;
  readonly hint?: string;
  readonly attempts?: readonly OpenAttempt[];
}

interface Report {
  readonly uid: number;
  readonly syscallMode: Failure;
  readonly deviceMode: Failure;
  readonly forkRequired: Failure;
  readonly autoSession: {
    readonly open: string;
    readonly enabled: bigint;
    readonly kernelEnabled: bigint;
    readonly warnings: readonly string[];
  };
  readonly rawCalls: {
    readonly eventFork: boolean;
    readonly eventForkAndBit63: boolean;
    readonly zeroAfterwards: boolean;
  };
  readonly profile: HostProfile;
  readonly fdsLeft: number;
}

const mask = (...names: FeatureName[]): bigint => FeatureSet.of(...names).mask;

// One child process as uid 65534 with no capabilities (vm.unprivileged_userfaultfd is 0 on this machine).
describe("unprivileged caller (uid 65534, no capabilities)", () => {
  let report: Report;
  beforeAll(() => {
    report = runFixture<Report>(new URL("./fixtures/unprivileged.ts", import.meta.url), {
      unprivileged: true,
    });
  });

  it("runs as uid 65534", () => {
    expect(report.uid).toBe(65534);
  });

  it("syscall mode: permission-denied, caused by the sysctl (with its value), with a fix hint", () => {
    expect(report.syscallMode).toMatchObject({
      kind: "permission-denied",
      errno: "EPERM",
      cause: { kind: "sysctl", sysctl: "vm.unprivileged_userfaultfd", value: 0 },
    });
    expect(report.syscallMode.hint).toContain("vm.unprivileged_userfaultfd=1");
  });

  it("device mode: permission-denied, caused by the device's permissions", () => {
    expect(report.deviceMode).toMatchObject({
      kind: "permission-denied",
      errno: "EACCES",
      cause: { kind: "device-permissions", path: "/dev/userfaultfd" },
    });
    expect(report.deviceMode.hint).toContain("setfacl");
  });

  it("open auto: falls back to user-mode-only, drops the optional EVENT_FORK, and verifies", () => {
    const session = report.autoSession;
    expect(session.open).toBe("user-mode-only");
    expect(session.enabled).toBe(mask("MOVE", "WP_ASYNC", "WP_UNPOPULATED"));
    expect(session.kernelEnabled).toBe(session.enabled);
    expect(session.warnings).toEqual(expect.arrayContaining(["user-mode-only", "event-fork-dropped"]));
  });

  it("requiring EVENT_FORK: permission-denied naming CAP_SYS_PTRACE", () => {
    expect(report.forkRequired).toMatchObject({
      kind: "permission-denied",
      errno: "EPERM",
      cause: { kind: "capability", capability: "CAP_SYS_PTRACE", feature: "EVENT_FORK" },
    });
    expect(report.forkRequired.hint).toContain("cap_sys_ptrace");
  });

  it("the kernel's EVENT_FORK check comes before the unknown-bit check, and leaves the fd usable", () => {
    expect(report.rawCalls).toEqual({ eventFork: false, eventForkAndBit63: false, zeroAfterwards: true });
  });

  it("capture records the unprivileged view of this host", () => {
    expect(report.profile).toMatchObject({
      privileges: { uid: 65534, capSysPtrace: false, unprivilegedUserfaultfd: 0 },
      openModes: { syscall: { errno: "EPERM" }, device: { errno: "EACCES" }, "user-mode-only": "ok" },
      eventFork: { errno: "EPERM" },
      api: { ioctls: 0x8000000000000003n },
    });
    const root = linuxBackend()._unsafeUnwrap();
    const fd = root.open({ mode: "syscall", closeOnExec: true, nonBlocking: true })._unsafeUnwrap();
    const supported = root.api(fd, UFFD_API, 0n)._unsafeUnwrap().features;
    root.close(fd);
    expect(report.profile.api.supported).toBe(supported);
  });

  it("leaves no fd behind", () => {
    expect(report.fdsLeft).toBe(0);
  });
});

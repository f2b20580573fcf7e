import {
  decodeHostProfile,
  encodeHostProfile,
  FeatureSet,
  type HostProfile,
  Knowledge,
  negotiate,
  OPEN_MODES,
  POLICY_DEFAULTS,
  UFFD_API,
} from "@negotiate/core";
import { type MockBackend, type MockScenarioName, mockBackend, mockScenario } from "@negotiate/mock";
import { describe, expect, it } from "vitest";
import { unprivileged618 } from "./support/captured-profiles.js";

const FRESH = { closeOnExec: true, nonBlocking: true } as const;
const EVENT_FORK = FeatureSet.of("EVENT_FORK").mask;

const outcomes = (backend: MockBackend) =>
  OPEN_MODES.map((mode) => {
    const opened = backend.open({ mode, ...FRESH });
    if (opened.isErr()) return opened.error.errno;
    backend.close(opened.value);
    return "ok";
  });

describe("mockBackend.fromCapture", () => {
  it("replays the open outcomes, supported set and EVENT_FORK refusal, with their true causes", () => {
    const backend = mockBackend.fromCapture(unprivileged618);
    expect(backend.info).toMatchObject({ name: "mock", kernelRelease: "6.18.0", arch: "x86_64" });
    expect(outcomes(backend)).toEqual(["EPERM", "EACCES", "ok"]);
    expect(backend.explainDenial({ op: "open", mode: "syscall", errno: "EPERM" })).toEqual({
      kind: "sysctl",
      sysctl: "vm.unprivileged_userfaultfd",
      value: 0,
    });
    expect(backend.explainDenial({ op: "open", mode: "device", errno: "EACCES" }).kind).toBe(
      "device-permissions",
    );
    const fd = backend.open({ mode: "user-mode-only", ...FRESH })._unsafeUnwrap();
    expect(backend.api(fd, UFFD_API, EVENT_FORK)._unsafeUnwrapErr().errno).toBe("EPERM");
    expect(backend.explainDenial({ op: "api", features: EVENT_FORK, errno: "EPERM" }).kind).toBe(
      "capability",
    );
    expect(backend.api(fd, UFFD_API, 0n)._unsafeUnwrap()).toEqual({
      api: UFFD_API,
      features: 0x1ffffn,
      ioctls: 0x8000000000000003n,
    });
    backend.close(fd);
  });

  it("blames a filter for an EPERM that neither the sysctl nor the capabilities explain", () => {
    const docker: HostProfile = {
      ...unprivileged618,
      privileges: { uid: 0, capSysPtrace: true, unprivilegedUserfaultfd: 1 },
      openModes: {
        syscall: { errno: "EPERM" },
        device: { errno: "ENOENT" },
        "user-mode-only": { errno: "EPERM" },
      },
      api: { supported: 0n, ioctls: 0n },
      eventFork: { errno: "EPERM" },
    };
    const backend = mockBackend.fromCapture(docker);
    expect(outcomes(backend)).toEqual(["EPERM", "ENOENT", "EPERM"]);
    expect(backend.explainDenial({ op: "open", mode: "syscall", errno: "EPERM" }).kind).toBe("filter");
  });

  it("replays the release's own UFFDIO_API checks: a 6.1.20 capture drops unknown bits", () => {
    const old = mockBackend.fromCapture({
      ...unprivileged618,
      kernel: { release: "6.1.20", arch: "x86_64" },
    });
    const fd = old.open({ mode: "user-mode-only", ...FRESH })._unsafeUnwrap();
    expect(old.api(fd, UFFD_API, 1n << 40n).isOk()).toBe(true);
    expect(old.enabledFeatures(fd)._unsafeUnwrap()).toBe(0n);
  });

  it("negotiates against a profile read back from its JSON exactly as against the profile", () => {
    const decoded = decodeHostProfile(encodeHostProfile(unprivileged618))._unsafeUnwrap();
    expect(decoded).toEqual(unprivileged618);
    const policy = {
      ...POLICY_DEFAULTS,
      required: FeatureSet.of("MOVE"),
      optional: FeatureSet.of("EVENT_FORK", "POISON"),
      forbidden: FeatureSet.EMPTY,
      oneOf: [],
    };
    const run = (backend: MockBackend) => {
      const session = negotiate(policy, { backend, knowledge: new Knowledge() })._unsafeUnwrap();
      const summary = [session.open, session.enabledSet.toString(), session.warnings.map((w) => w.code)];
      session.close();
      expect(backend.openFds()).toEqual([]);
      return summary;
    };
    expect(run(mockBackend.fromCapture(decoded))).toEqual([
      "user-mode-only",
      "{POISON, MOVE}",
      ["event-fork-dropped", "user-mode-only"],
    ]);
    expect(run(mockBackend.fromCapture(decoded))).toEqual(run(mockBackend.fromCapture(unprivileged618)));
  });
});

describe("scenarios", () => {
  const firstOpen = (name: MockScenarioName) => {
    const backend = mockScenario(name);
    return outcomes(backend);
  };

  it("simulates Docker's default profile: the syscall is EPERM even with CAP_SYS_PTRACE, blamed on the filter", () => {
    for (const name of ["docker-default", "docker-cap-sys-ptrace"] as const) {
      expect(firstOpen(name)).toEqual(["EPERM", "ENOENT", "EPERM"]);
      expect(mockScenario(name).explainDenial({ op: "open", mode: "syscall", errno: "EPERM" }).kind).toBe(
        "filter",
      );
    }
  });

  it("simulates gVisor without userfaultfd and an unprivileged desktop with only user-mode-only", () => {
    expect(firstOpen("gvisor")).toEqual(["ENOSYS", "ENOENT", "ENOSYS"]);
    expect(firstOpen("unprivileged-desktop")).toEqual(["EPERM", "EACCES", "ok"]);
    expect(firstOpen("root")).toEqual(["ok", "ok", "ok"]);
  });

  it("lets overrides replace a scenario's options", () => {
    expect(outcomes(mockScenario("unprivileged-desktop", { unprivilegedUserfaultfd: 1 }))).toEqual([
      "ok",
      "EACCES",
      "ok",
    ]);
  });
});

import { type FeatureName, FeatureSet, featureBit, Knowledge, negotiate } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { FakeBackend, type FakeKernel } from "./support/fake-backend.js";
import { testPolicy } from "./support/test-policy.js";

const mask = (...names: FeatureName[]) => FeatureSet.of(...names).mask;
const fresh = (kernel: FakeKernel = {}) => ({ backend: new FakeBackend(kernel), knowledge: new Knowledge() });

describe("probe strategy", () => {
  it("uses two fds and two calls: features = 0 on a temporary fd, then exactly the decision on a new one", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID", "MISSING_SHMEM") });
    const policy = testPolicy({
      strategy: "probe",
      required: ["MISSING_SHMEM"],
      optional: ["THREAD_ID", "MOVE"],
    });
    const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    expect(backend.counts).toEqual({ open: 2, api: 2, close: 1 });
    const calls = session.trace.filter((entry) => entry.op === "api");
    expect(calls.map((entry) => entry.features)).toEqual([0n, mask("THREAD_ID", "MISSING_SHMEM")]);
    expect(calls[0]!.fd).not.toBe(calls[1]!.fd);
    expect(session.route).toBe("probe");
    expect(session.enabled).toMatchObject({ MISSING_SHMEM: true, THREAD_ID: true, MOVE: false });
    // Every known feature is answered, so a policy loaded from a file can ask about any name.
    expect(Object.keys(session.enabled)).toHaveLength(FeatureSet.all().names().length);
    expect(Object.values(session.enabled).filter(Boolean)).toHaveLength(2);
    expect(session.missingOptional).toEqual(["MOVE"]);
    expect([...backend.openFds]).toEqual([session.fd]);
  });

  it("fails a missing required feature after the probe, without a second fd", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID"), kernelRelease: "6.1.20" });
    const policy = testPolicy({ strategy: "probe", required: ["MOVE", "THREAD_ID"] });
    const error = negotiate(policy, { backend, knowledge })._unsafeUnwrapErr();
    expect(error.kind).toBe("missing-required");
    if (error.kind !== "missing-required") return;
    expect(error.missing).toEqual([{ name: "MOVE", since: "6.8", reason: "unsupported" }]);
    expect(error.message).toContain("kernel 6.1.20");
    expect(error.message).toContain("MOVE (added in 6.8)");
    expect(backend.counts).toEqual({ open: 1, api: 1, close: 1 });
    expect(backend.openFds.size).toBe(0);
  });

  it("keeps the probe fd as the session when there is nothing to request", () => {
    const { backend, knowledge } = fresh({ supported: 0n });
    const session = negotiate(testPolicy({ strategy: "probe", optional: ["THREAD_ID"] }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(backend.counts).toEqual({ open: 1, api: 1, close: 0 });
    expect(session.enabled).toMatchObject({ THREAD_ID: false });
  });
});

describe("one-shot strategy", () => {
  it("uses one fd and one call, and reports the supported set apart from the enabled one", () => {
    const { backend, knowledge } = fresh();
    const policy = testPolicy({ strategy: "one-shot", required: ["MISSING_SHMEM"], optional: ["THREAD_ID"] });
    const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    expect(backend.counts).toEqual({ open: 1, api: 1, close: 0 });
    expect(session.enabledSet.names()).toEqual(["MISSING_SHMEM", "THREAD_ID"]);
    expect(session.supported.equals(FeatureSet.all())).toBe(true);
    expect(session.ioctls).toBe(0x8000000000000003n);
  });

  it("on EINVAL reuses the same failed fd for the probe, then a new fd for the narrowed request", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    const policy = testPolicy({ strategy: "one-shot", optional: ["THREAD_ID", "MOVE"] });
    const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    const calls = session.trace.filter((entry) => entry.op === "api");
    expect(calls.map((entry) => [entry.features, entry.result])).toEqual([
      [mask("THREAD_ID", "MOVE"), "EINVAL"],
      [0n, "ok"],
      [mask("THREAD_ID"), "ok"],
    ]);
    expect(calls[1]!.fd).toBe(calls[0]!.fd);
    expect(calls[2]!.fd).not.toBe(calls[0]!.fd);
    expect(backend.counts).toEqual({ open: 2, api: 3, close: 1 });
    expect(session.route).toBe("one-shot-then-probe");
    expect(session.warnings.map((warning) => warning.code)).toContain("probe-fallback");
  });

  it("with onReject: fail reports kernel-rejected listing what was requested, and closes the fd", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    const policy = testPolicy({ strategy: "one-shot", onReject: "fail", optional: ["THREAD_ID", "MOVE"] });
    const error = negotiate(policy, { backend, knowledge })._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: "kernel-rejected",
      errno: "EINVAL",
      requested: ["THREAD_ID", "MOVE"],
    });
    expect(backend.openFds.size).toBe(0);
  });

  it("notices a required feature a kernel accepted but dropped, and fails instead of pretending", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID"), dropsUnsupported: true });
    const policy = testPolicy({ strategy: "one-shot", required: ["MOVE"], optional: ["THREAD_ID"] });
    const error = negotiate(policy, { backend, knowledge })._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "missing-required", missing: [{ name: "MOVE", reason: "dropped" }] });
    expect(backend.openFds.size).toBe(0);
  });

  it("reports optional features a kernel accepted but dropped as missing, with a warning", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID"), dropsUnsupported: true });
    const session = negotiate(testPolicy({ strategy: "one-shot", optional: ["THREAD_ID", "MOVE"] }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(session.enabled).toMatchObject({ THREAD_ID: true, MOVE: false });
    expect(session.warnings.map((warning) => warning.code)).toContain("dropped-by-kernel");
  });
});

describe("auto strategy", () => {
  it("goes one-shot first, then straight to one fd and one call once the supported set is known", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    const policy = testPolicy({ optional: ["THREAD_ID", "MOVE"] });
    negotiate(policy, { backend, knowledge })._unsafeUnwrap().close();
    const before = { ...backend.counts };
    const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    expect(session.route).toBe("known-supported");
    expect(backend.counts.open - before.open).toBe(1);
    expect(backend.counts.api - before.api).toBe(1);
    expect(session.requested.names()).toEqual(["THREAD_ID"]);
  });

  it("decides missing-required from what it knows, without any syscall", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    negotiate(testPolicy({ optional: ["THREAD_ID"] }), { backend, knowledge })
      ._unsafeUnwrap()
      .close();
    const before = { ...backend.counts };
    const error = negotiate(testPolicy({ required: ["MOVE"] }), { backend, knowledge })._unsafeUnwrapErr();
    expect(error.kind).toBe("missing-required");
    expect(backend.counts).toEqual(before);
  });

  it("learns again when what it knew is refused", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID", "MOVE") });
    const policy = testPolicy({ optional: ["THREAD_ID", "MOVE"] });
    negotiate(policy, { backend, knowledge })._unsafeUnwrap().close();
    const changed = new FakeBackend({ supported: mask("THREAD_ID") });
    knowledge.of(changed).supported.set("syscall", mask("THREAD_ID", "MOVE"));
    const session = negotiate(policy, { backend: changed, knowledge })._unsafeUnwrap();
    expect(session.enabled).toMatchObject({ THREAD_ID: true, MOVE: false });
    expect(changed.openFds).toEqual(new Set([session.fd]));
  });
});

describe("what auto knows", () => {
  it("is forgotten for a backend: the next negotiation learns again, as the first did", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    const policy = testPolicy({ optional: ["THREAD_ID", "MOVE"] });
    const first = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    first.close();
    expect(first.route).toBe("one-shot-then-probe");
    expect(negotiate(policy, { backend, knowledge })._unsafeUnwrap().route).toBe("known-supported");
    knowledge.forget(backend);
    expect(knowledge.supported(backend, "syscall")).toBeUndefined();
    const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    expect(session.route).toBe("one-shot-then-probe");
    expect(knowledge.supported(backend, "syscall")).toBe(mask("THREAD_ID"));
  });

  it("is kept per backend and per policy while negotiations alternate between them", () => {
    const knowledge = new Knowledge();
    const older = new FakeBackend({ supported: mask("THREAD_ID") });
    const newer = new FakeBackend({ supported: mask("THREAD_ID", "MOVE") });
    const wide = testPolicy({ optional: ["THREAD_ID", "MOVE"] });
    const narrow = testPolicy({ optional: ["MOVE"] });
    for (let round = 0; round < 3; round++) {
      for (const backend of [older, newer]) {
        const a = negotiate(wide, { backend, knowledge })._unsafeUnwrap();
        const b = negotiate(narrow, { backend, knowledge })._unsafeUnwrap();
        expect(a.enabledSet.mask).toBe(backend === older ? mask("THREAD_ID") : mask("THREAD_ID", "MOVE"));
        expect(b.enabledSet.mask).toBe(backend === older ? 0n : mask("MOVE"));
        if (round > 0) expect([a.route, b.route]).toEqual(["known-supported", "known-supported"]);
        a.close();
        b.close();
      }
    }
    expect(older.openFds.size + newer.openFds.size).toBe(0);
  });
});

describe("EVENT_FORK without CAP_SYS_PTRACE", () => {
  for (const strategy of ["probe", "one-shot", "auto"] as const) {
    it(`${strategy}: an optional EVENT_FORK is dropped and the same fd retried`, () => {
      const { backend, knowledge } = fresh({ forkAllowed: false });
      const session = negotiate(testPolicy({ strategy, optional: ["EVENT_FORK", "THREAD_ID"] }), {
        backend,
        knowledge,
      })._unsafeUnwrap();
      expect(session.enabled).toMatchObject({ EVENT_FORK: false, THREAD_ID: true });
      const calls = session.trace.filter((entry) => entry.op === "api" && entry.features !== 0n);
      expect(calls.map((entry) => entry.result)).toEqual(["EPERM", "ok"]);
      expect(calls[0]!.fd).toBe(calls[1]!.fd);
      expect(session.warnings.map((warning) => warning.code)).toContain("event-fork-dropped");
    });

    it(`${strategy}: a required EVENT_FORK fails with permission-denied naming CAP_SYS_PTRACE`, () => {
      const { backend, knowledge } = fresh({ forkAllowed: false });
      const error = negotiate(testPolicy({ strategy, required: ["EVENT_FORK"] }), {
        backend,
        knowledge,
      })._unsafeUnwrapErr();
      expect(error).toMatchObject({
        kind: "permission-denied",
        errno: "EPERM",
        cause: { kind: "capability", capability: "CAP_SYS_PTRACE", feature: "EVENT_FORK" },
      });
      if (error.kind === "permission-denied") expect(error.hint).toContain("CAP_SYS_PTRACE");
      expect(backend.openFds.size).toBe(0);
    });
  }
});

describe("kernels 4.3 to 4.10 (features = 0 only)", () => {
  it("one-shot falls back to the probe, reports every optional feature missing, and keeps the probed fd", () => {
    const { backend, knowledge } = fresh({ onlyZero: true });
    const session = negotiate(testPolicy({ strategy: "one-shot", optional: ["THREAD_ID"] }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(session.enabledSet.isEmpty).toBe(true);
    expect(session.missingOptional).toEqual(["THREAD_ID"]);
    expect(backend.counts).toEqual({ open: 1, api: 2, close: 0 });
  });

  it("fails anything required", () => {
    const { backend, knowledge } = fresh({ onlyZero: true, kernelRelease: "4.9.0" });
    const error = negotiate(testPolicy({ required: ["EVENT_REMAP"] }), {
      backend,
      knowledge,
    })._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: "missing-required",
      missing: [{ name: "EVENT_REMAP", since: "4.11" }],
    });
    expect(backend.openFds.size).toBe(0);
  });
});

describe("oneOf groups", () => {
  const policy = (strategy: "probe" | "one-shot") =>
    testPolicy({ strategy, oneOf: [["WP_ASYNC", "PAGEFAULT_FLAG_WP"]], optional: ["THREAD_ID"] });

  it("requests only the first supported alternative", () => {
    const { backend, knowledge } = fresh({ supported: mask("PAGEFAULT_FLAG_WP", "THREAD_ID") });
    const session = negotiate(policy("probe"), { backend, knowledge })._unsafeUnwrap();
    expect(session.requested.names()).toEqual(["PAGEFAULT_FLAG_WP", "THREAD_ID"]);
    expect(session.enabled).toMatchObject({ PAGEFAULT_FLAG_WP: true, WP_ASYNC: false });
  });

  it("one-shot tries the preferred alternative, then narrows on EINVAL", () => {
    const { backend, knowledge } = fresh({ supported: mask("PAGEFAULT_FLAG_WP") });
    const session = negotiate(policy("one-shot"), { backend, knowledge })._unsafeUnwrap();
    expect(session.requested.names()).toEqual(["PAGEFAULT_FLAG_WP"]);
  });

  it("one-shot on a kernel that drops bits asks again on a new fd with the supported alternative", () => {
    const { backend, knowledge } = fresh({ supported: mask("PAGEFAULT_FLAG_WP"), dropsUnsupported: true });
    const session = negotiate(policy("one-shot"), { backend, knowledge })._unsafeUnwrap();
    expect(session.requested.names()).toEqual(["PAGEFAULT_FLAG_WP"]);
    expect(backend.openFds).toEqual(new Set([session.fd]));
  });

  it("fails when no alternative of a group is supported, naming the group", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    const error = negotiate(policy("probe"), { backend, knowledge })._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: "missing-required",
      unmetGroups: [["WP_ASYNC", "PAGEFAULT_FLAG_WP"]],
    });
    expect(error.message).toContain("one of WP_ASYNC | PAGEFAULT_FLAG_WP");
  });
});

describe("implied features", () => {
  it("reports WP_UNPOPULATED enabled when WP_ASYNC was requested", () => {
    const { backend, knowledge } = fresh();
    const session = negotiate(testPolicy({ required: ["WP_ASYNC"] }), { backend, knowledge })._unsafeUnwrap();
    expect(session.requested.names()).toEqual(["WP_ASYNC"]);
    expect(session.enabledSet.names()).toEqual(["WP_UNPOPULATED", "WP_ASYNC"]);
    expect(backend.enabledByFd.get(session.fd)).toBe(mask("WP_UNPOPULATED", "WP_ASYNC"));
  });
});

describe("implied features of dropped bits", () => {
  it("a dropped WP_ASYNC does not bring WP_UNPOPULATED with it", () => {
    const { backend, knowledge } = fresh({
      supported: mask("WP_UNPOPULATED", "THREAD_ID"),
      dropsUnsupported: true,
    });
    const session = negotiate(testPolicy({ strategy: "one-shot", optional: ["WP_ASYNC", "THREAD_ID"] }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(session.enabledSet.names()).toEqual(["THREAD_ID"]);
    expect(backend.enabledByFd.get(session.fd)).toBe(mask("THREAD_ID"));
  });
});

describe("open modes", () => {
  it("open: auto falls back from syscall to device on EPERM", () => {
    const { backend, knowledge } = fresh({ openErrno: { syscall: "EPERM" } });
    const session = negotiate(testPolicy({ optional: ["THREAD_ID"] }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(session.open).toBe("device");
  });

  it("falls back to user-mode-only last, with a warning about its semantics", () => {
    const { backend, knowledge } = fresh({ openErrno: { syscall: "EPERM", device: "EACCES" } });
    const session = negotiate(testPolicy(), { backend, knowledge })._unsafeUnwrap();
    expect(session.open).toBe("user-mode-only");
    expect(session.warnings.map((warning) => warning.code)).toContain("user-mode-only");
  });

  it("userModeOnly: forbid reports every refusal with its cause", () => {
    const { backend, knowledge } = fresh({ openErrno: { syscall: "EPERM", device: "EACCES" } });
    const error = negotiate(testPolicy({ userModeOnly: "forbid" }), {
      backend,
      knowledge,
    })._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: "permission-denied",
      cause: { kind: "sysctl" },
      attempts: [
        { mode: "syscall", errno: "EPERM", cause: { kind: "sysctl" } },
        { mode: "device", errno: "EACCES", cause: { kind: "device-permissions", path: "/dev/userfaultfd" } },
      ],
    });
    expect(backend.counts.open).toBe(2);
  });

  it("asking for user-mode-only explicitly is no fallback: no warning", () => {
    const { backend, knowledge } = fresh();
    const session = negotiate(testPolicy({ open: "user-mode-only" }), { backend, knowledge })._unsafeUnwrap();
    expect(session.open).toBe("user-mode-only");
    expect(session.warnings).toEqual([]);
  });

  it("userModeOnly: require uses only that mode", () => {
    const { backend, knowledge } = fresh();
    const session = negotiate(testPolicy({ userModeOnly: "require" }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(session.open).toBe("user-mode-only");
    expect(session.warnings).toEqual([]);
  });

  it("a kernel before 5.11 refuses user-mode-only with EINVAL: treated as unavailable", () => {
    const { backend, knowledge } = fresh({
      openErrno: { syscall: "EPERM", device: "ENOENT", "user-mode-only": "EINVAL" },
    });
    const error = negotiate(testPolicy(), { backend, knowledge })._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "permission-denied", cause: { kind: "sysctl" } });
    if (error.kind === "permission-denied")
      expect(error.attempts.map((attempt) => attempt.errno)).toEqual(["EPERM", "ENOENT", "EINVAL"]);
  });

  it("no userfaultfd at all is unsupported", () => {
    const { backend, knowledge } = fresh({
      openErrno: { syscall: "ENOSYS", device: "ENOENT", "user-mode-only": "ENOSYS" },
    });
    expect(negotiate(testPolicy(), { backend, knowledge })._unsafeUnwrapErr()).toMatchObject({
      kind: "unsupported",
      reason: "no-userfaultfd",
    });
  });

  it("EMFILE is resource-exhausted at once", () => {
    const { backend, knowledge } = fresh({ openErrno: { syscall: "EMFILE" } });
    expect(negotiate(testPolicy(), { backend, knowledge })._unsafeUnwrapErr()).toMatchObject({
      kind: "resource-exhausted",
      errno: "EMFILE",
      op: "open",
    });
    expect(backend.counts.open).toBe(1);
  });

  it("passes close-on-exec and non-blocking from the policy", () => {
    const { backend, knowledge } = fresh();
    const session = negotiate(testPolicy({ closeOnExec: false, nonBlocking: false }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(session.trace[0]).toMatchObject({ op: "open", closeOnExec: false, nonBlocking: false });
  });
});

describe("missing optional features", () => {
  it("onMissingOptional: error fails with the names and closes the fd", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    const error = negotiate(testPolicy({ optional: ["THREAD_ID", "MOVE"], onMissingOptional: "error" }), {
      backend,
      knowledge,
    })._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "missing-optional", missing: ["MOVE"] });
    expect(backend.openFds.size).toBe(0);
  });

  it("onMissingOptional: warn succeeds with a warning naming them", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID") });
    const session = negotiate(testPolicy({ optional: ["THREAD_ID", "MOVE"], onMissingOptional: "warn" }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(session.warnings).toContainEqual(
      expect.objectContaining({ code: "missing-optional", features: ["MOVE"] }),
    );
  });
});

describe("verification against the kernel's own view", () => {
  it("a mismatch is an unexpected error and the fd is closed", () => {
    const { backend, knowledge } = fresh({ misreportEnabled: featureBit("THREAD_ID") | featureBit("MOVE") });
    const error = negotiate(testPolicy({ optional: ["THREAD_ID"] }), {
      backend,
      knowledge,
    })._unsafeUnwrapErr();
    expect(error.kind).toBe("unexpected");
    expect(error.message).toContain("MOVE");
    expect(backend.openFds.size).toBe(0);
  });

  it("reads the kernel's view once per distinct request and supported set", () => {
    const { backend, knowledge } = fresh();
    for (let round = 0; round < 3; round++)
      negotiate(testPolicy({ optional: ["THREAD_ID"] }), { backend, knowledge })
        ._unsafeUnwrap()
        .close();
    expect(backend.enabledReads).toBe(1);
    negotiate(testPolicy({ optional: ["MOVE"] }), { backend, knowledge })
      ._unsafeUnwrap()
      .close();
    expect(backend.enabledReads).toBe(2);
  });

  it("verify: false skips the check", () => {
    const { backend, knowledge } = fresh({ misreportEnabled: featureBit("MOVE") });
    expect(
      negotiate(testPolicy({ optional: ["THREAD_ID"], verify: false }), { backend, knowledge }).isOk(),
    ).toBe(true);
  });
});

describe("the session", () => {
  it("closes its fd once; a second close does nothing and succeeds", () => {
    const { backend, knowledge } = fresh();
    const session = negotiate(testPolicy(), { backend, knowledge })._unsafeUnwrap();
    expect(session.close().isOk()).toBe(true);
    expect(session.close().isOk()).toBe(true);
    expect(backend.counts.close).toBe(1);
    expect(session.closed).toBe(true);
    expect(session.trace.at(-1)).toEqual({ op: "close", fd: session.fd, result: "ok" });
  });

  it("serialises to JSON (bigints and the backend would otherwise make JSON.stringify throw)", () => {
    const { backend, knowledge } = fresh({ supported: mask("THREAD_ID", "MOVE") });
    const session = negotiate(testPolicy({ optional: ["THREAD_ID"] }), {
      backend,
      knowledge,
    })._unsafeUnwrap();
    expect(JSON.parse(JSON.stringify(session))).toMatchObject({
      fd: session.fd,
      open: "syscall",
      route: "one-shot",
      enabled: ["THREAD_ID"],
      supported: ["THREAD_ID", "MOVE"],
      ioctls: "0x8000000000000003",
      closed: false,
    });
  });

  it("closes on Symbol.dispose (using)", () => {
    const { backend, knowledge } = fresh();
    {
      using session = negotiate(testPolicy(), { backend, knowledge })._unsafeUnwrap();
      expect(backend.openFds.has(session.fd)).toBe(true);
    }
    expect(backend.openFds.size).toBe(0);
  });
});

import {
  type Denial,
  type FeatureName,
  FeatureSet,
  Knowledge,
  negotiate,
  type OpenMode,
  POLICY_DEFAULTS,
  UFFD_API,
} from "@negotiate/core";
import { type MockBackend, type MockOptions, mockBackend } from "@negotiate/mock";
import { describe, expect, it } from "vitest";

const FRESH = { closeOnExec: true, nonBlocking: true } as const;
const ZERO = { api: 0n, features: 0n, ioctls: 0n };
const bits = (...names: FeatureName[]) => FeatureSet.of(...names).mask;
const UNKNOWN_BIT = 1n << 40n;

function openFd(backend: MockBackend, mode: OpenMode = "syscall"): number {
  return backend.open({ mode, ...FRESH })._unsafeUnwrap();
}

const root = (kernel: MockOptions["kernel"], extra: Partial<MockOptions> = {}) =>
  mockBackend({ kernel, capSysPtrace: true, ...extra });

describe("per-fd UFFDIO_API state", () => {
  it("zeroes the struct on a second call from 5.15 (and 5.4.148, 5.10.67, 5.14.6) and leaves it as sent before", () => {
    for (const [kernel, zeroed] of [
      ["5.14.5", false],
      ["5.10.66", false],
      ["5.10.67", true],
      ["5.14.21", true],
      ["5.4.147", false],
      ["5.4.148", true],
      ["5.15.0", true],
      ["4.9.0", false],
    ] as const) {
      const backend = root(kernel);
      const fd = openFd(backend);
      expect(backend.api(fd, UFFD_API, 0n).isOk()).toBe(true);
      const again = backend.api(fd, UFFD_API, 0n)._unsafeUnwrapErr();
      expect(again.errno).toBe("EINVAL");
      expect(again.reply).toEqual(zeroed ? ZERO : { api: UFFD_API, features: 0n, ioctls: 0n });
    }
  });

  it("checks a second call like a first one from 5.15 and refuses it last (measured on 6.18), first before", () => {
    const secondForkCall = (kernel: MockOptions["kernel"]) => {
      const backend = mockBackend({ kernel, unprivilegedUserfaultfd: 1 });
      const fd = openFd(backend);
      backend.api(fd, UFFD_API, bits("THREAD_ID"))._unsafeUnwrap();
      const refused = backend.api(fd, UFFD_API, bits("EVENT_FORK"))._unsafeUnwrapErr();
      expect(backend.enabledFeatures(fd)._unsafeUnwrap()).toBe(bits("THREAD_ID"));
      return refused;
    };
    expect(secondForkCall("6.18.0")).toEqual({ errno: "EPERM", reply: ZERO });
    expect(secondForkCall("5.14.0")).toEqual({
      errno: "EINVAL",
      reply: { api: UFFD_API, features: bits("EVENT_FORK"), ioctls: 0n },
    });
  });

  it("keeps a fd uninitialised after a failed call, so the probe can reuse it", () => {
    const backend = mockBackend({ kernel: "6.18.0", device: "denied" });
    const fd = openFd(backend, "user-mode-only");
    const refused = backend.api(fd, UFFD_API, bits("EVENT_FORK", "THREAD_ID"))._unsafeUnwrapErr();
    expect(refused).toEqual({ errno: "EPERM", reply: ZERO });
    expect(backend.enabledFeatures(fd)._unsafeUnwrap()).toBe(0n);
    expect(backend.api(fd, UFFD_API, 0n)._unsafeUnwrap().features).toBe(FeatureSet.all().mask);
    expect(backend.enabledFeatures(fd)._unsafeUnwrap()).toBe(0n);
  });

  it("enables the request plus implied features and returns every supported one", () => {
    const backend = root("6.8.0");
    const fd = openFd(backend);
    const reply = backend.api(fd, UFFD_API, bits("WP_ASYNC", "THREAD_ID"))._unsafeUnwrap();
    expect(reply).toEqual({ api: UFFD_API, features: FeatureSet.all().mask, ioctls: 0x8000000000000003n });
    expect(backend.enabledFeatures(fd)._unsafeUnwrap()).toBe(bits("WP_ASYNC", "WP_UNPOPULATED", "THREAD_ID"));
  });

  it("checks EVENT_FORK before unknown bits from 6.10 and after them before (the fix reordered the checks)", () => {
    const request = bits("EVENT_FORK") | UNKNOWN_BIT;
    const errnoOn = (kernel: MockOptions["kernel"]) => {
      const backend = mockBackend({ kernel, unprivilegedUserfaultfd: 1 });
      return backend.api(openFd(backend), UFFD_API, request)._unsafeUnwrapErr().errno;
    };
    expect(errnoOn("6.10.0")).toBe("EPERM");
    expect(errnoOn("6.6.41")).toBe("EPERM");
    expect(errnoOn("6.1.20")).toBe("EPERM");
    expect(errnoOn("6.6.40")).toBe("EINVAL");
    expect(errnoOn("5.15.0")).toBe("EINVAL");
  });

  it("on 6.0–6.2.12 drops unknown bits, skips the api check, and enables only known requested bits", () => {
    const backend = root("6.1.25");
    const fd = openFd(backend);
    expect(backend.api(fd, 0xabn, bits("MOVE", "THREAD_ID") | UNKNOWN_BIT).isOk()).toBe(true);
    // MOVE (6.8) is unknown to 6.1: dropped like bit 40.
    expect(backend.enabledFeatures(fd)._unsafeUnwrap()).toBe(bits("THREAD_ID"));
    const fixed = root("6.1.26");
    expect(fixed.api(openFd(fixed), 0xabn, 0n)._unsafeUnwrapErr()).toEqual({ errno: "EINVAL", reply: ZERO });
  });

  it("reports a masked bit accepted silently as enabled in fdinfo but not in the returned set (5.13–6.9)", () => {
    const backend = root("6.6.0", { arch: "arm64" });
    const fd = openFd(backend);
    const reply = backend.api(fd, UFFD_API, bits("PAGEFAULT_FLAG_WP"))._unsafeUnwrap();
    expect(reply.features & bits("PAGEFAULT_FLAG_WP")).toBe(0n);
    expect(backend.enabledFeatures(fd)._unsafeUnwrap()).toBe(bits("PAGEFAULT_FLAG_WP"));
  });

  it("answers EBADF for a fd it did not open and leaves the struct as sent", () => {
    const backend = root("6.18.0");
    expect(backend.api(42, UFFD_API, 5n)._unsafeUnwrapErr()).toEqual({
      errno: "EBADF",
      reply: { api: UFFD_API, features: 5n, ioctls: 0n },
    });
    expect(backend.enabledFeatures(42)._unsafeUnwrapErr().errno).toBe("EBADF");
    expect(backend.close(42)._unsafeUnwrapErr().errno).toBe("EBADF");
  });
});

describe("creating a uffd", () => {
  it("refuses an unprivileged user-mode-only call on 5.2–5.10 with EPERM when the sysctl is 0 (permission before flags)", () => {
    const backend = mockBackend({ kernel: "5.10.0", unprivilegedUserfaultfd: 0 });
    expect(backend.open({ mode: "user-mode-only", ...FRESH })._unsafeUnwrapErr().errno).toBe("EPERM");
    expect(backend.explainDenial({ op: "open", mode: "user-mode-only", errno: "EPERM" })).toEqual({
      kind: "sysctl",
      sysctl: "vm.unprivileged_userfaultfd",
      value: 0,
    });
  });

  it("lets the sysctl and CAP_SYS_PTRACE decide the plain syscall, not the device", () => {
    expect(
      mockBackend({ kernel: "6.18.0", unprivilegedUserfaultfd: 1 })
        .open({ mode: "syscall", ...FRESH })
        .isOk(),
    ).toBe(true);
    expect(
      mockBackend({ kernel: "5.4.0", unprivilegedUserfaultfd: 0 })
        .open({ mode: "syscall", ...FRESH })
        ._unsafeUnwrapErr().errno,
    ).toBe("EPERM");
    expect(
      mockBackend({ kernel: "5.1.0" })
        .open({ mode: "syscall", ...FRESH })
        .isOk(),
    ).toBe(true);
    const device = mockBackend({ kernel: "6.18.0", device: "ok", unprivilegedUserfaultfd: 0 });
    expect(device.open({ mode: "device", ...FRESH }).isOk()).toBe(true);
  });

  it("denies the syscall under seccomp whatever the privileges, but not the device open", () => {
    const backend = mockBackend({ kernel: "6.18.0", seccomp: true, capSysPtrace: true });
    for (const mode of ["syscall", "user-mode-only"] as const) {
      expect(backend.open({ mode, ...FRESH })._unsafeUnwrapErr().errno).toBe("EPERM");
      expect(backend.explainDenial({ op: "open", mode, errno: "EPERM" }).kind).toBe("filter");
    }
    expect(backend.open({ mode: "device", ...FRESH }).isOk()).toBe(true);
  });

  it("answers ENOSYS in a sandbox without userfaultfd, and ENOENT for the device there", () => {
    const backend = mockBackend({ kernel: "6.18.0", sandbox: true, capSysPtrace: true });
    expect(backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOSYS");
    expect(backend.open({ mode: "user-mode-only", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOSYS");
    expect(backend.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOENT");
  });

  it("explains a device refusal by its permissions", () => {
    const backend = mockBackend({ kernel: "6.18.0" });
    expect(backend.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("EACCES");
    expect(backend.explainDenial({ op: "open", mode: "device", errno: "EACCES" })).toEqual({
      kind: "device-permissions",
      path: "/dev/userfaultfd",
    });
  });

  it("hits EMFILE at the fd limit, with the device mode needing two fds while it creates one", () => {
    const backend = root("6.18.0", { fdLimit: 3 });
    expect(openFd(backend)).toBe(3);
    // The device fd takes 4 while the uffd takes 5; then 4 is closed again.
    expect(openFd(backend, "device")).toBe(5);
    expect(openFd(backend)).toBe(4);
    expect(backend.openFds()).toEqual([3, 4, 5]);
    expect(backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrapErr().errno).toBe("EMFILE");
    backend.close(4);
    expect(backend.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("EMFILE");
    expect(openFd(backend)).toBe(4);
  });

  it("checks the fd limit before the device's permissions, as open() does", () => {
    const backend = mockBackend({ kernel: "6.18.0", fdLimit: 0 });
    expect(backend.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("EMFILE");
    expect(backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrapErr().errno).toBe("EPERM");
  });
});

describe("fault injection", () => {
  it("returns the injected errno at the Nth call of an operation, and the simulated outcome otherwise", () => {
    const backend = root("6.18.0", {
      faults: [
        { op: "open", call: 2, errno: "ENOMEM" },
        { op: "api", call: 1, errno: "EFAULT" },
        { op: "close", call: 1, errno: "EIO" },
      ],
    });
    const fd = openFd(backend);
    expect(backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOMEM");
    expect(backend.api(fd, UFFD_API, 0n)._unsafeUnwrapErr()).toEqual({ errno: "EFAULT", reply: ZERO });
    expect(backend.api(fd, UFFD_API, 0n).isOk()).toBe(true);
    expect(backend.close(fd)._unsafeUnwrapErr().errno).toBe("EIO");
    // close(2) released the fd anyway.
    expect(backend.openFds()).toEqual([]);
    expect(backend.counts).toEqual({ open: 2, api: 2, close: 1 });
  });

  it("says an injected permission refusal has no cause in its kernel", () => {
    const backend = root("6.18.0", { faults: [{ op: "open", call: 1, errno: "EPERM" }] });
    expect(backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrapErr().errno).toBe("EPERM");
    const denial: Denial = { op: "open", mode: "syscall", errno: "EPERM" };
    expect(backend.explainDenial(denial)).toMatchObject({
      kind: "filter",
      detail: expect.stringContaining("injected"),
    });
  });
});

describe("with the core", () => {
  const policy = {
    ...POLICY_DEFAULTS,
    required: FeatureSet.of("MISSING_SHMEM"),
    optional: FeatureSet.of("EVENT_FORK", "PAGEFAULT_FLAG_WP", "MOVE"),
    forbidden: FeatureSet.EMPTY,
    oneOf: [],
  };

  it("lets verify see the real enabled set, and closes every fd it opened", () => {
    const backend = mockBackend({ kernel: "6.6.0", arch: "arm64", unprivilegedUserfaultfd: 1 });
    const session = negotiate(policy, { backend, knowledge: new Knowledge() })._unsafeUnwrap();
    expect(session.enabledSet.names()).toEqual(["MISSING_SHMEM"]);
    expect(session.warnings.map((warning) => warning.code)).toContain("event-fork-dropped");
    expect(backend.openFds()).toEqual([session.fd]);
    session.close();
    expect(backend.openFds()).toEqual([]);
    expect(backend.counts.open).toBe(backend.counts.close);
  });

  it("names the sysctl and its value when every mode is refused", () => {
    const backend = mockBackend({ kernel: "6.18.0" });
    const error = negotiate(
      { ...policy, userModeOnly: "forbid" },
      { backend, knowledge: new Knowledge() },
    )._unsafeUnwrapErr();
    expect(error.kind).toBe("permission-denied");
    if (error.kind !== "permission-denied") return;
    expect(error.cause).toEqual({ kind: "sysctl", sysctl: "vm.unprivileged_userfaultfd", value: 0 });
    expect(error.attempts.map((attempt) => [attempt.mode, attempt.errno])).toEqual([
      ["syscall", "EPERM"],
      ["device", "EACCES"],
    ]);
  });
});

import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import {
  type Backend,
  definePolicy,
  type FeatureName,
  FeatureSet,
  Knowledge,
  negotiate,
  UFFD_API,
} from "@negotiate/core";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import type { Libc } from "../src/bindings.js";
import { linuxBackend } from "../src/index.js";
import { type BackendHost, createLinuxBackend } from "../src/linux-backend.js";
import { runFixture } from "./support/child.js";
import { openFdCount } from "./support/fixture-output.js";

const backend = linuxBackend()._unsafeUnwrap();
const FRESH = { closeOnExec: true, nonBlocking: true } as const;
const mask = (...names: FeatureName[]): bigint => FeatureSet.of(...names).mask;

function fdinfoFlags(fd: number): number {
  const text = readFileSync(`/proc/self/fdinfo/${fd}`, "latin1");
  return Number.parseInt(/^flags:\s*([0-7]+)$/m.exec(text)![1]!, 8);
}

describe("linuxBackend()", () => {
  const host = (overrides: Partial<BackendHost>): BackendHost => ({
    platform: "linux",
    arch: "x64",
    loadLibc: () => err({ reason: "not called" }),
    ...overrides,
  });

  it("answers backend-unavailable off Linux, without binding libc", () => {
    let bound = false;
    const loadLibc = () => {
      bound = true;
      return err({ reason: "" });
    };
    for (const platform of ["darwin", "win32"]) {
      const result = createLinuxBackend(host({ platform, loadLibc }));
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "backend-unavailable", backend: "linux" });
    }
    expect(bound).toBe(false);
  });

  it("answers unsupported (unknown-arch) for an architecture without a syscall number", () => {
    const result = createLinuxBackend(host({ arch: "mips" }));
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "unsupported", reason: "unknown-arch" });
  });

  it("answers backend-unavailable with koffi's reason when libc cannot be bound", () => {
    const result = createLinuxBackend(host({ loadLibc: () => err({ reason: "no prebuilt binary" }) }));
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe("backend-unavailable");
    expect(error.kind === "backend-unavailable" && error.reason).toContain("no prebuilt binary");
  });

  it("does not load koffi when the package is imported, only when a backend is created", () => {
    const loaded = runFixture<{
      afterImport: boolean;
      afterBackend: boolean;
      native: boolean;
      entry: boolean;
    }>(new URL("./fixtures/koffi-loading.ts", import.meta.url));
    // On glibc x86_64 the native module is loaded directly (koffi's entry costs several ms of a start-up).
    const direct =
      process.platform === "linux" && process.arch === "x64" && !existsSync("/lib/ld-musl-x86_64.so.1");
    expect(loaded).toEqual({ afterImport: false, afterBackend: true, native: true, entry: !direct });
  });

  it("returns one backend per process for the default options, another for another device", () => {
    expect(linuxBackend()._unsafeUnwrap()).toBe(backend);
    expect(linuxBackend({ devicePath: "/dev/userfaultfd" })._unsafeUnwrap()).toBe(backend);
    expect(linuxBackend({ devicePath: "/nonexistent" })._unsafeUnwrap()).not.toBe(backend);
  });

  it("describes this kernel", () => {
    expect(backend.info.name).toBe("linux");
    expect(backend.info.arch).toBe("x86_64");
    expect(backend.info.kernelRelease).toBe(readFileSync("/proc/sys/kernel/osrelease", "utf8").trim());
  });
});

describe("open", () => {
  it.each(["syscall", "device", "user-mode-only"] as const)(
    "sets O_CLOEXEC and O_NONBLOCK as asked (%s)",
    (mode) => {
      for (const closeOnExec of [false, true]) {
        for (const nonBlocking of [false, true]) {
          const fd = backend.open({ mode, closeOnExec, nonBlocking })._unsafeUnwrap();
          const flags = fdinfoFlags(fd);
          backend.close(fd)._unsafeUnwrap();
          expect((flags & 0o2000000) !== 0).toBe(closeOnExec);
          expect((flags & 0o4000) !== 0).toBe(nonBlocking);
        }
      }
    },
  );

  it("reports a missing device as ENOENT and leaves no fd behind", () => {
    const missing = linuxBackend({ devicePath: "/nonexistent/userfaultfd" })._unsafeUnwrap();
    const before = openFdCount();
    expect(missing.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOENT");
    expect(openFdCount()).toBe(before);
  });

  it("closes the device fd after USERFAULTFD_IOC_NEW, also when the ioctl fails", () => {
    // /dev/null opens, but refuses the ioctl.
    const notDevice = linuxBackend({ devicePath: "/dev/null" })._unsafeUnwrap();
    const before = openFdCount();
    expect(notDevice.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOTTY");
    expect(openFdCount()).toBe(before);
    const fd = backend.open({ mode: "device", ...FRESH })._unsafeUnwrap();
    expect(openFdCount()).toBe(before + 1);
    backend.close(fd);
  });
});

describe("api", () => {
  it("carries u64 fields as bigint: the top bit and the 0x8000000000000003 ioctls survive", () => {
    const fd = backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrap();
    const refused = backend.api(fd, UFFD_API, 1n << 63n)._unsafeUnwrapErr();
    expect(refused).toEqual({ errno: "EINVAL", reply: { api: 0n, features: 0n, ioctls: 0n } });
    const reply = backend.api(fd, UFFD_API, 0n)._unsafeUnwrap();
    backend.close(fd);
    expect(reply.ioctls).toBe(0x8000000000000003n);
    expect(typeof reply.features).toBe("bigint");
  });

  it("reports EBADF for a closed fd", () => {
    const fd = backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrap();
    backend.close(fd);
    expect(backend.api(fd, UFFD_API, 0n)._unsafeUnwrapErr().errno).toBe("EBADF");
  });
});

describe("enabledFeatures", () => {
  it("reads the kernel's enabled set without bit 31, including implied features", () => {
    const cases = [0n, mask("WP_ASYNC"), mask("EVENT_FORK", "THREAD_ID", "MOVE")];
    for (const request of cases) {
      const fd = backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrap();
      const before = backend.enabledFeatures(fd)._unsafeUnwrap();
      backend.api(fd, UFFD_API, request)._unsafeUnwrap();
      const after = backend.enabledFeatures(fd)._unsafeUnwrap();
      backend.close(fd);
      expect(before).toBe(0n);
      expect(after).toBe(request === mask("WP_ASYNC") ? mask("WP_ASYNC", "WP_UNPOPULATED") : request);
    }
  });

  it("works for fd numbers of every width", () => {
    const fds = Array.from({ length: 120 }, () =>
      backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrap(),
    );
    try {
      for (const fd of fds) backend.api(fd, UFFD_API, mask("THREAD_ID"))._unsafeUnwrap();
      for (const fd of fds) expect(backend.enabledFeatures(fd)._unsafeUnwrap()).toBe(mask("THREAD_ID"));
    } finally {
      for (const fd of fds) backend.close(fd);
    }
  });

  it("answers EBADF for a closed fd and ENOTTY for a fd that is not a uffd, leaving no fd behind", () => {
    const file = openSync("/dev/null", "r");
    const before = openFdCount();
    expect(backend.enabledFeatures(file)._unsafeUnwrapErr().errno).toBe("ENOTTY");
    closeSync(file);
    expect(backend.enabledFeatures(file)._unsafeUnwrapErr().errno).toBe("EBADF");
    expect(openFdCount()).toBe(before - 1);
  });
});

describe("verification", () => {
  // A kernel that enables one feature more than asked: what verification exists to catch.
  const overEnabling = (extra: bigint): Backend => ({
    info: backend.info,
    open: (request) => backend.open(request),
    api: (fd, api, features): ReturnType<Backend["api"]> =>
      features === 0n ? backend.api(fd, api, features) : backend.api(fd, api, features | extra),
    close: (fd) => backend.close(fd),
    enabledFeatures: (fd) => backend.enabledFeatures(fd),
  });

  it("accepts a session whose fdinfo matches the computed enabled set", () => {
    const session = negotiate(
      definePolicy({ features: { required: ["WP_ASYNC"], optional: ["MOVE"] } })._unsafeUnwrap(),
      {
        backend,
        knowledge: new Knowledge(),
      },
    )._unsafeUnwrap();
    expect(session.enabledSet.mask).toBe(mask("WP_ASYNC", "WP_UNPOPULATED", "MOVE"));
    expect(backend.enabledFeatures(session.fd)._unsafeUnwrap()).toBe(session.enabledSet.mask);
    session.close();
  });

  it("turns a mismatch into an unexpected error and closes the fd", () => {
    const before = openFdCount();
    const result = negotiate(definePolicy({ features: { required: ["MOVE"] } })._unsafeUnwrap(), {
      backend: overEnabling(mask("THREAD_ID")),
      knowledge: new Knowledge(),
    });
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe("unexpected");
    expect(error.message).toContain("THREAD_ID");
    expect(openFdCount()).toBe(before);
  });

  it("is skipped when the policy turns it off", () => {
    const session = negotiate(
      definePolicy({ features: { required: ["MOVE"] }, verify: false })._unsafeUnwrap(),
      {
        backend: overEnabling(mask("THREAD_ID")),
        knowledge: new Knowledge(),
      },
    )._unsafeUnwrap();
    expect(backend.enabledFeatures(session.fd)._unsafeUnwrap()).toBe(mask("MOVE", "THREAD_ID"));
    session.close();
  });
});

describe("session fd ownership", () => {
  it("closes the session fd once; a second close does not touch a fd that reuses its number", () => {
    const session = negotiate(definePolicy({ features: { optional: ["MOVE"] } })._unsafeUnwrap(), {
      backend,
    })._unsafeUnwrap();
    const fd = session.fd;
    expect(session.close().isOk()).toBe(true);
    const reused = openSync("/dev/null", "r");
    expect(reused).toBe(fd);
    expect(session.close().isOk()).toBe(true);
    expect(readFileSync(`/proc/self/fdinfo/${reused}`, "latin1")).toContain("flags:");
    closeSync(reused);
  });
});

describe("capture", () => {
  it("records this host as root: every mode opens, the supported set, EVENT_FORK granted, no fd left", async () => {
    const before = openFdCount();
    const profile = backend.capture()._unsafeUnwrap();
    expect(openFdCount()).toBe(before);
    const fd = backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrap();
    const probed = backend.api(fd, UFFD_API, 0n)._unsafeUnwrap();
    backend.close(fd);
    expect(profile).toMatchObject({
      format: "negotiate-host-profile",
      // Version 2: with the landlock section.
      version: 2,
      kernel: { release: backend.info.kernelRelease, arch: "x86_64" },
      privileges: {
        uid: 0,
        capSysPtrace: true,
        unprivilegedUserfaultfd: Number(readFileSync("/proc/sys/vm/unprivileged_userfaultfd", "utf8")),
      },
      api: { supported: probed.features, ioctls: probed.ioctls },
      openModes: { syscall: "ok", device: "ok", "user-mode-only": "ok" },
      eventFork: "ok",
      landlock: { capSysAdmin: true, noNewPrivs: false },
    });
    // Landlock as the port answers it here; nothing restricted (this is the test runner).
    const { landlockBackend } = await import("../src/index.js");
    const abi = landlockBackend()._unsafeUnwrap().abiVersion();
    expect(profile.landlock?.version).toEqual(abi.isOk() ? { value: abi.value } : { errno: abi.error.errno });
    if (abi.isOk()) expect(profile.landlock?.rights["READ_FILE"]).toBe("ok");
    expect(Date.now() - Date.parse(profile.capturedAt)).toBeLessThan(60_000);
  });
});

describe("errno", () => {
  it("reads errno right after a failed call, before any other libc call", () => {
    const calls: string[] = [];
    const recorded = (name: string, value: number) => () => {
      calls.push(name);
      return value;
    };
    const libc: Libc = {
      syscall1: recorded("syscall", -1),
      ioctlPointer: recorded("ioctl", -1),
      ioctlInteger: recorded("ioctl-new", -1),
      open: recorded("open", 7),
      read: recorded("read", -1),
      close: recorded("close", 0),
      errno: recorded("errno", 13),
    };
    const made = createLinuxBackend({
      platform: "linux",
      arch: "x64",
      loadLibc: () => ok(libc),
    })._unsafeUnwrap();
    expect(made.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("EACCES");
    expect(calls).toEqual(["open", "ioctl-new", "errno", "close"]);
    calls.length = 0;
    expect(made.api(3, UFFD_API, 0n)._unsafeUnwrapErr().errno).toBe("EACCES");
    expect(calls).toEqual(["ioctl", "errno"]);
    calls.length = 0;
    expect(made.enabledFeatures(3)._unsafeUnwrapErr().errno).toBe("EACCES");
    expect(calls).toEqual(["open", "read", "errno", "close"]);
  });
});

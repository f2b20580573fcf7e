import { UFFD_API } from "@negotiate/core";
import { createMockBackend, type MockOptions, mockBackend } from "@negotiate/mock";
import { describe, expect, it } from "vitest";

const FRESH = { closeOnExec: true, nonBlocking: true } as const;

describe("createMockBackend (untrusted input)", () => {
  it.each([
    [{ kernel: "7.x.y" }, "kernel", "7.x.y"],
    [{ kernel: "6.1.x" }, "kernel", "6.1.x"],
    [{}, "kernel", undefined],
    [{ kernel: 6.1 }, "kernel", 6.1],
    [{ kernel: "6.1.20", arch: "sparc" }, "arch", "sparc"],
    [{ kernel: "6.1.20", unprivilegedUserfaultfd: 2 }, "unprivilegedUserfaultfd", 2],
    [{ kernel: "6.1.20", device: "open" }, "device", "open"],
    [{ kernel: "6.1.20", capSysPtrace: "yes" }, "capSysPtrace", "yes"],
    [{ kernel: "6.1.20", fdLimit: -1 }, "fdLimit", -1],
    [{ kernel: "6.1.20", quirks: { dropsUnknownBit: true } }, "quirks.dropsUnknownBit", true],
    [
      {
        kernel: "6.1.20",
        faults: [
          { op: "api", call: 1, errno: "EPERM" },
          { op: "api", call: 0, errno: "EPERM" },
        ],
      },
      "faults[1].call",
      0,
    ],
    [{ kernel: "6.1.20", faults: [{ op: "api", call: 1, errno: "EWHAT" }] }, "faults[0].errno", "EWHAT"],
    [{ kernel: "6.1.20", faults: [{ op: "api", errno: "EPERM" }] }, "faults[0].call", undefined],
    [{ kernel: "6.1.20", kernal: "6.2" }, "kernal", "6.2"],
  ])("refuses %j naming the field and the value", (input, field, value) => {
    const error = createMockBackend(input)._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "invalid-option", field, value });
    expect(error.message).toContain(field);
  });

  it("refuses a value the kernel cannot have, saying why", () => {
    expect(createMockBackend({ kernel: "5.10.0", device: "ok" })._unsafeUnwrapErr()).toMatchObject({
      kind: "conflicting-options",
      field: "device",
      value: "ok",
      reason: expect.stringContaining("6.1"),
    });
    expect(
      createMockBackend({ kernel: "5.1.0", unprivilegedUserfaultfd: 1 })._unsafeUnwrapErr(),
    ).toMatchObject({
      kind: "conflicting-options",
      field: "unprivilegedUserfaultfd",
    });
  });

  it("refuses something that is not an object of options", () => {
    expect(createMockBackend("6.1.20")._unsafeUnwrapErr()).toMatchObject({
      kind: "invalid-option",
      field: "options",
    });
    expect(createMockBackend(null)._unsafeUnwrapErr()).toMatchObject({
      kind: "invalid-option",
      field: "options",
    });
  });

  it("builds the same kernel as mockBackend from valid input", () => {
    const options = { kernel: "6.6.0-14-generic", arch: "arm64", capSysPtrace: true, faults: [] } as const;
    const checked = createMockBackend(options)._unsafeUnwrap();
    expect(checked.info).toEqual({ name: "mock", kernelRelease: "6.6.0-14-generic", arch: "arm64" });
    const probe = (backend: typeof checked) => {
      const fd = backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrap();
      return backend.api(fd, UFFD_API, 0n)._unsafeUnwrap();
    };
    expect(probe(checked)).toEqual(probe(mockBackend(options)));
  });
});

describe("mockBackend (typed input)", () => {
  it("resolves contradictions as the kernel would instead of failing", () => {
    const noDevice = mockBackend({ kernel: "5.10.0", device: "ok", capSysPtrace: true });
    expect(noDevice.open({ mode: "device", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOENT");
    // No sysctl before 5.2: a 0 there forbids nothing.
    expect(
      mockBackend({ kernel: "5.1.0", unprivilegedUserfaultfd: 0 })
        .open({ mode: "syscall", ...FRESH })
        .isOk(),
    ).toBe(true);
  });

  it("simulates a kernel without userfaultfd for a release that does not parse", () => {
    const backend = mockBackend({ kernel: "banana" } as unknown as MockOptions);
    expect(backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrapErr().errno).toBe("ENOSYS");
    expect(backend.info.kernelRelease).toBe("banana");
  });
});

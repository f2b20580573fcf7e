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
    expect(checked.info).toMatchObject({ name: "mock", kernelRelease: "6.6.0-14-generic", arch: "arm64" });
    expect(checked.info.warnings).toEqual([expect.stringContaining("simulates mainline 6.6.0")]);
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

  it.each(["banana", "v6.8", "6", "999.999.999", "7.3"])(
    "throws a TypeError naming a kernel %j it cannot simulate, never a kernel without userfaultfd",
    (kernel) => {
      expect(() => mockBackend({ kernel } as unknown as MockOptions)).toThrow(TypeError);
      expect(() => mockBackend({ kernel } as unknown as MockOptions)).toThrow(JSON.stringify(kernel));
      const error = createMockBackend({ kernel })._unsafeUnwrapErr();
      expect(error).toMatchObject({ kind: "invalid-option", field: "kernel", value: kernel });
      expect(error.message).not.toMatch(/gVisor|no userfaultfd/);
    },
  );

  it("refuses a release newer than the newest modelled one, naming that one", () => {
    const error = createMockBackend({ kernel: "999.999.999" })._unsafeUnwrapErr();
    expect(error.kind === "invalid-option" && error.expected).toContain("7.2");
    expect(createMockBackend({ kernel: "6.19.7" }).isOk()).toBe(true);
    expect(createMockBackend({ kernel: "7.2.1" }).isOk()).toBe(true);
  });

  it("models 7.0–7.2 as 6.19: the same supported set (docs/kernel-sources.md §4)", () => {
    const supported = (kernel: NonNullable<MockOptions["kernel"]>) => {
      const backend = mockBackend({ kernel, capSysPtrace: true });
      const fd = backend.open({ mode: "syscall", ...FRESH })._unsafeUnwrap();
      const reply = backend.api(fd, UFFD_API, 0n)._unsafeUnwrap();
      backend.close(fd);
      return reply.features;
    };
    expect(supported("7.0")).toBe(supported("6.19"));
    expect(supported("7.2")).toBe(0x1ffffn);
  });

  it("never throws from createMockBackend, whatever the input", () => {
    for (const input of [
      {},
      null,
      undefined,
      42,
      "6.8",
      [],
      { kernel: 6.8 },
      { kernel: "6.8", arch: "sparc" },
    ]) {
      expect(() => createMockBackend(input)).not.toThrow();
      expect(createMockBackend(input).isErr()).toBe(true);
    }
    expect(() => mockBackend({} as unknown as MockOptions)).toThrow(/kernel is missing/);
  });
});

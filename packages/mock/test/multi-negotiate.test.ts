import { definePolicy, Knowledge, negotiate, parseMultiPolicy } from "@negotiate/core";
import { landlockMockBackend, mockBackend } from "@negotiate/mock";
import { describe, expect, expectTypeOf, it } from "vitest";

const AGENT = definePolicy({
  version: 2,
  name: "agent",
  userfaultfd: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID"], open: "auto" },
  landlock: {
    required: ["READ_FILE", "READ_DIR"],
    optional: ["TRUNCATE", "BIND_TCP", "SIGNAL"],
    rules: [{ path: "/usr", allow: ["READ_FILE", "READ_DIR", "EXECUTE"] }],
  },
})._unsafeUnwrap();

const ports = (kernel: `${number}.${number}.${number}`) => ({
  backend: mockBackend({ kernel, capSysPtrace: true }),
  landlock: landlockMockBackend({ kernel }),
  knowledge: new Knowledge(),
});

describe("negotiate() with a version 2 policy", () => {
  it("gives one typed sub-session per section, each with exactly what its kernel enabled", () => {
    const options = ports("6.8.0");
    const session = negotiate(AGENT, options)._unsafeUnwrap();
    expectTypeOf(session.userfaultfd.enabled.THREAD_ID).toEqualTypeOf<boolean>();
    expectTypeOf(session.userfaultfd.enabled.MISSING_SHMEM).toEqualTypeOf<true>();
    expectTypeOf(session.landlock.enabled.READ_FILE).toEqualTypeOf<true>();
    expect(session.name).toBe("agent");
    expect(session.userfaultfd.enabled).toMatchObject({ MISSING_SHMEM: true, THREAD_ID: true });
    expect(session.landlock.enabled).toMatchObject({
      READ_FILE: true,
      TRUNCATE: true,
      BIND_TCP: true,
      SIGNAL: false,
    });
    expect(session.landlock.rules.map((rule) => rule.added)).toEqual([true]);
    expect(options.backend.openFds()).toEqual([session.userfaultfd.fd]);
    expect(session.close().isOk()).toBe(true);
    expect(options.backend.openFds()).toEqual([]);
    expect(options.landlock.openFds()).toEqual([]);
  });

  it("a failing Landlock section closes the userfaultfd session it made first, and names its interface", () => {
    const options = ports("6.1.0");
    const strict = definePolicy({
      version: 2,
      userfaultfd: { optional: ["THREAD_ID"] },
      landlock: { required: ["BIND_TCP"] },
    })._unsafeUnwrap();
    const error = negotiate(strict, options)._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "missing-required", interface: "landlock" });
    expect(options.backend.openFds()).toEqual([]);
    expect(options.landlock.openFds()).toEqual([]);
  });

  it("a section without its port is backend-unavailable, saying which option to pass", () => {
    const { backend } = ports("6.8.0");
    const error = negotiate(AGENT, { backend })._unsafeUnwrapErr();
    expect(error.kind).toBe("backend-unavailable");
    expect(error.message).toContain("options.landlock");
    expect(backend.openFds()).toEqual([]);
    const { landlock } = ports("6.8.0");
    const without = negotiate(AGENT, { landlock } as never)._unsafeUnwrapErr();
    expect(without.kind).toBe("backend-unavailable");
    expect(without.message).toContain("options.backend");
    expect(landlock.openFds()).toEqual([]);
  });

  it("a version 1 document read as a multi-policy means what it meant: its userfaultfd section", () => {
    const policy = parseMultiPolicy('{"version": 1, "features": {"optional": ["THREAD_ID"]}}', {
      format: "json",
    })._unsafeUnwrap();
    const options = ports("6.8.0");
    const session = negotiate(policy, options)._unsafeUnwrap();
    expect(session.userfaultfd?.enabled.THREAD_ID).toBe(true);
    expect(session.landlock).toBeUndefined();
    session.close();
    expect(options.backend.openFds()).toEqual([]);
  });

  it("is total: null sections, Proxies and bad options are errors", () => {
    const options = ports("6.8.0");
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error("no");
        },
      },
    );
    expect(negotiate(hostile as never, options).isErr()).toBe(true);
    expect(negotiate({ version: 2, userfaultfd: null } as never, options).isErr()).toBe(true);
    expect(negotiate(AGENT, null as never).isErr()).toBe(true);
    expect(negotiate({ version: 2, landlock: { required: "READ_FILE" } } as never, options).isErr()).toBe(
      true,
    );
  });
});

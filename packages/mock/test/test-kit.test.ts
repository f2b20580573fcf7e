import { definePolicy, negotiate } from "@negotiate/core";
import { describe, expect, it } from "vitest";
import { mockBackend, mockScenario } from "../src/index.js";
import { describeError, forEachKernel, kernelTable, negotiateMatchers } from "../src/test-kit/index.js";

expect.extend(negotiateMatchers);

const policy = definePolicy({
  name: "test-kit",
  features: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID", "EVENT_FORK"] },
})._unsafeUnwrap();

// A failing assertion's message: what a developer reads when their test fails.
function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the assertion passed");
}

describe("toNegotiate", () => {
  it("passes on a session", () => {
    const result = negotiate(policy, { backend: mockBackend({ kernel: "6.8", capSysPtrace: true }) });
    expect(result).toNegotiate();
    result._unsafeUnwrap().close();
  });

  it("fails with the error's kind, message, cause, hint and trace", () => {
    const result = negotiate(policy, { backend: mockScenario("docker-default") });
    const message = failureOf(() => expect(result).toNegotiate());
    expect(message).toMatch(
      /^expected the negotiation to succeed, but it failed:\n {2}kind: {4}permission-denied\n/,
    );
    expect(message).toContain("  message: userfaultfd could not be created");
    expect(message).toMatch(/ {2}cause: {3}.+ \(filter, EPERM\)\n/);
    expect(message).toMatch(/ {2}hint: {4}a seccomp filter/);
    expect(message).toContain(
      "  trace:\n     1. tried to open a uffd with userfaultfd(O_CLOEXEC|O_NONBLOCK) → EPERM",
    );
  });

  it("with .not, fails on a session and shows what it enabled", () => {
    const result = negotiate(policy, { backend: mockBackend({ kernel: "6.8", capSysPtrace: true }) });
    const message = failureOf(() => expect(result).not.toNegotiate());
    expect(message).toMatch(/^expected the negotiation to fail, but it succeeded:\n {2}enabled: \{/);
    expect(message).toContain("MISSING_SHMEM");
    result._unsafeUnwrap().close();
  });

  it("says so when given something that is not a Result", () => {
    expect(failureOf(() => expect({ fd: 3 }).toNegotiate())).toMatch(
      /^toNegotiate: expected the Result of negotiate\(\) or probe\(\), got/,
    );
  });
});

describe("toFailWith", () => {
  const old = () => negotiate(policy, { backend: mockBackend({ kernel: "4.3", capSysPtrace: true }) });

  it("passes on an error of that kind, with fields compared as objectContaining", () => {
    expect(old()).toFailWith("missing-required");
    expect(old()).toFailWith("missing-required", { kernelRelease: "4.3" });
    expect(old()).not.toFailWith("permission-denied");
  });

  it("fails on another kind, naming both and describing the error", () => {
    const message = failureOf(() => expect(old()).toFailWith("permission-denied"));
    expect(message).toMatch(
      /^expected the negotiation to fail with permission-denied, but it failed with missing-required:\n/,
    );
    expect(message).toContain("  missing: MISSING_SHMEM (unsupported, since 4.11)");
  });

  it("fails on fields that differ, and on a session", () => {
    expect(failureOf(() => expect(old()).toFailWith("missing-required", { kernelRelease: "5.0" }))).toMatch(
      /^expected the missing-required error to have .*"kernelRelease": "5\.0"/s,
    );
    const result = negotiate(policy, { backend: mockBackend({ kernel: "6.8", capSysPtrace: true }) });
    expect(failureOf(() => expect(result).toFailWith("missing-required"))).toMatch(
      /^expected the negotiation to fail with missing-required, but it succeeded:\n {2}enabled:/,
    );
    result._unsafeUnwrap().close();
  });

  it("describes an error without calls", () => {
    const invalid = definePolicy({ features: { required: ["THREAD_IDS" as "THREAD_ID"] } });
    expect(invalid.isErr() && describeError(invalid.error)).toMatch(
      /kind: {4}unknown-feature|kind: {4}invalid-policy/,
    );
    expect(invalid.isErr() && describeError(invalid.error)).toContain("trace:   (no call made)");
  });
});

describe("kernelTable", () => {
  it("names each row by its release, scenario or options, and applies common options underneath", () => {
    const table = kernelTable(
      ["5.15", { kernel: "6.1.20", arch: "arm64" }, { scenario: "gvisor" }, { kernel: "6.8", name: "noble" }],
      { capSysPtrace: true },
    );
    expect(table.map((row) => row.name)).toEqual([
      "5.15",
      '6.1.20 (capSysPtrace: true, arch: "arm64")',
      "gvisor",
      "noble",
    ]);
    expect(table[2]?.options).toEqual({ capSysPtrace: true, kernel: "4.4.0", sandbox: true });
    expect(table[0]?.backend()).not.toBe(table[0]?.backend());
  });

  it("refuses an invalid entry by index, field and value", () => {
    expect(() => kernelTable(["6.8", "banana" as "6.8"])).toThrow(
      /^kernel table entry 1 \("banana"\): .*kernel.*"banana"/,
    );
    expect(() => kernelTable([{ scenario: "nope" as "gvisor" }])).toThrow(
      /no scenario "nope"; expected one of docker-default/,
    );
  });
});

describe("forEachKernel", () => {
  const seen: string[] = [];
  forEachKernel(
    ["4.14", "5.15", "6.1.20", "6.8", "6.18"],
    (backend, kernel) => {
      seen.push(kernel.name);
      const result = negotiate(policy, { backend });
      expect(result).toNegotiate();
      result._unsafeUnwrap().close();
      expect(backend.openFds()).toEqual([]);
    },
    { common: { capSysPtrace: true } },
  );

  it("ran one test per kernel, in order", () => {
    expect(seen).toEqual(["4.14", "5.15", "6.1.20", "6.8", "6.18"]);
  });
});

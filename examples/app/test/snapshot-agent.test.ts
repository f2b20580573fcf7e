import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeHostProfile } from "@negotiate/core";
import { type MockBackend, mockBackend, mockScenario } from "@negotiate/mock";
import { afterAll, describe, expect, it } from "vitest";
import type { AppError, AppReport } from "../src/app-api.js";
import { formatReport } from "../src/format-report.js";
import { startApp } from "../src/start-app.js";

// The pattern: build the kernel the app should meet, inject it, assert what the app decided, and that it left
// no fd open in that kernel.
function started(backend: MockBackend, policyPath?: string): AppReport {
  const result = startApp({ backend, ...(policyPath === undefined ? {} : { policyPath }) });
  expect(backend.openFds()).toEqual([]);
  if (result.isErr()) expect.fail(`expected the agent to start, got: ${result.error.message}`);
  return result.value;
}

function refused(backend: MockBackend): AppError {
  const result = startApp({ backend });
  expect(backend.openFds()).toEqual([]);
  if (result.isOk())
    expect.fail(`expected the agent to refuse to start, got:\n${formatReport(result.value)}`);
  return result.error;
}

const warningCodes = (report: AppReport) => report.warnings.map((warning) => warning.code);

describe("snapshot-agent on kernels it does not run on", () => {
  it("4.14 (old): no write-protect, so snapshots are disabled; per-thread attribution and forks work", () => {
    const report = started(mockBackend({ kernel: "4.14", capSysPtrace: true }));
    expect(report).toMatchObject({
      kernel: "4.14",
      open: "syscall",
      enabled: ["EVENT_FORK", "MISSING_SHMEM", "THREAD_ID"],
      writeTracking: { mode: "off" },
      threadAttribution: true,
      followsForks: true,
      restore: "lazy",
    });
    // 4.14 refuses the bits it does not know with EINVAL: the negotiation probed and narrowed the request.
    expect(warningCodes(report)).toEqual(["probe-fallback", "missing-optional"]);
    expect(report.warnings[1]).toEqual({
      code: "missing-optional",
      message: "optional features not available: PAGEFAULT_FLAG_WP, WP_ASYNC",
      features: ["PAGEFAULT_FLAG_WP", "WP_ASYNC"],
    });
    expect(formatReport(report)).toContain(
      "write tracking: off: snapshots disabled (needs PAGEFAULT_FLAG_WP, Linux 5.7, or WP_ASYNC, Linux 6.7)",
    );
  });

  it("5.15 (middle): write tracking is fault-driven with PAGEFAULT_FLAG_WP, WP_ASYNC is missing", () => {
    const report = started(mockBackend({ kernel: "5.15", capSysPtrace: true }));
    expect(report.writeTracking).toEqual({ mode: "fault-driven", feature: "PAGEFAULT_FLAG_WP" });
    expect(report.enabled).toEqual(["PAGEFAULT_FLAG_WP", "EVENT_FORK", "MISSING_SHMEM", "THREAD_ID"]);
    expect([report.threadAttribution, report.followsForks, report.restore]).toEqual([true, true, "lazy"]);
    expect(report.warnings.flatMap((warning) => warning.features ?? [])).toEqual(["WP_ASYNC"]);
    expect(formatReport(report).split("\n")[2]).toBe(
      "write tracking: fault-driven (PAGEFAULT_FLAG_WP): the first write to each page waits until the agent has recorded it",
    );
  });

  it("6.18 (new): write tracking is async with WP_ASYNC, which brings WP_UNPOPULATED; nothing missing", () => {
    const report = started(mockBackend({ kernel: "6.18", capSysPtrace: true }));
    expect(report.writeTracking).toEqual({ mode: "async", feature: "WP_ASYNC" });
    expect(report.enabled).toEqual([
      "PAGEFAULT_FLAG_WP",
      "EVENT_FORK",
      "MISSING_SHMEM",
      "THREAD_ID",
      "WP_UNPOPULATED",
      "WP_ASYNC",
    ]);
    expect(report.warnings).toEqual([]);
    expect(formatReport(report).split("\n").slice(2, 6)).toEqual([
      "write tracking: async (WP_ASYNC): the kernel resolves write faults, dirty pages come from pagemap; writers never stop",
      "per-thread attribution: on (THREAD_ID)",
      "follows forks: yes (EVENT_FORK)",
      "restore: lazy, every page on first touch",
    ]);
  });

  it("arm64 5.10: the kernel advertises and enables uffd-wp, which arm64 cannot deliver before 6.10", () => {
    // 5.7–5.13 mask nothing (docs/kernel-sources.md §2): the app is sent down a WP path that never faults.
    const report = started(mockScenario("arm64-lts-5.10", { capSysPtrace: true }));
    expect(report.writeTracking).toEqual({ mode: "fault-driven", feature: "PAGEFAULT_FLAG_WP" });
    expect(report.threadAttribution).toBe(true);
  });

  it("arm64 5.15: uffd-wp is masked on this architecture (from 5.14), so snapshots are disabled despite the release", () => {
    const report = started(mockBackend({ kernel: "5.15.100", arch: "arm64", capSysPtrace: true }));
    expect(report.writeTracking).toEqual({ mode: "off" });
    expect(report.enabled).not.toContain("PAGEFAULT_FLAG_WP");
    expect(report.threadAttribution).toBe(true);
  });

  it("4.10 (too old): refuses to start, naming the required feature and the release that added it", () => {
    const error = refused(mockBackend({ kernel: "4.10", capSysPtrace: true }));
    expect(error.kind).toBe("negotiation-failed");
    if (error.kind !== "negotiation-failed" || error.error.kind !== "missing-required") {
      return expect.fail(`expected missing-required, got ${error.kind}`);
    }
    expect(error.error.missing).toEqual([{ name: "MISSING_SHMEM", since: "4.11", reason: "unsupported" }]);
    expect(error.message).toBe(
      "snapshot-agent cannot start (missing-required): kernel 4.10 does not provide required MISSING_SHMEM (added in 4.11)",
    );
  });
});

describe("snapshot-agent without privileges or in a container", () => {
  it("unprivileged on 6.18 (sysctl 0, device 0600 root): falls back to user-mode-only and stops following forks", () => {
    const report = started(mockBackend({ kernel: "6.18" }));
    expect(report).toMatchObject({
      open: "user-mode-only",
      writeTracking: { mode: "async", feature: "WP_ASYNC" },
      threadAttribution: true,
      followsForks: false,
      restore: "lazy-except-io-buffers",
    });
    expect(warningCodes(report)).toEqual(["event-fork-dropped", "missing-optional", "user-mode-only"]);
    const text = formatReport(report);
    expect(text).toContain("follows forks: no (EVENT_FORK needs CAP_SYS_PTRACE)");
    expect(text).toContain(
      "restore: lazy, but I/O buffers eagerly (user-mode-only fd: faults raised by the kernel are not delivered)",
    );
  });

  it("Docker's default seccomp profile: refuses to start with permission-denied, cause filter, and the fix", () => {
    const error = refused(mockScenario("docker-default"));
    if (error.kind !== "negotiation-failed" || error.error.kind !== "permission-denied") {
      return expect.fail(`expected permission-denied, got ${error.kind}: ${error.message}`);
    }
    expect(error.error.cause.kind).toBe("filter");
    expect(error.error.attempts.map((attempt) => `${attempt.mode}:${attempt.errno}`)).toEqual([
      "syscall:EPERM",
      "device:ENOENT",
      "user-mode-only:EPERM",
    ]);
    expect(error.message).toMatch(/^snapshot-agent cannot start \(permission-denied\): /);
    expect(error.message).toContain(`\n  fix: ${error.error.hint}`);
    expect(error.error.hint).toMatch(/seccomp profile/);
  });

  it("gVisor: refuses to start because there is no userfaultfd at all", () => {
    const error = refused(mockScenario("gvisor"));
    expect(error.kind === "negotiation-failed" && error.error).toMatchObject({
      kind: "unsupported",
      reason: "no-userfaultfd",
    });
  });

  it("a failing close(2) of the negotiated fd is reported, and the fd is released all the same", () => {
    const backend = mockBackend({
      kernel: "6.18",
      capSysPtrace: true,
      faults: [{ op: "close", call: 1, errno: "EIO" }],
    });
    const error = refused(backend);
    expect(error.kind).toBe("close-failed");
    expect(error.error).toMatchObject({ kind: "unexpected", errno: "EIO" });
    expect(backend.counts).toEqual({ open: 1, api: 1, close: 1 });
  });
});

describe("snapshot-agent replaying hosts captured with `negotiate capture`", () => {
  const capture = (file: string) =>
    mockBackend.fromCapture(
      decodeHostProfile(readFileSync(new URL(`fixtures/${file}`, import.meta.url), "utf8"))._unsafeUnwrap(),
    );

  it("Linux 6.18 x86_64 as root: async write tracking, forks followed, syscall mode", () => {
    const report = started(capture("linux-6.18-x86_64-root.json"));
    expect(report).toMatchObject({
      kernel: "6.18.44-fc-v595",
      open: "syscall",
      writeTracking: { mode: "async" },
      threadAttribution: true,
      followsForks: true,
      restore: "lazy",
    });
  });

  it("the same host as uid 65534: user-mode-only, EVENT_FORK dropped", () => {
    const report = started(capture("linux-6.18-x86_64-nobody.json"));
    expect([report.open, report.followsForks, report.restore]).toEqual([
      "user-mode-only",
      false,
      "lazy-except-io-buffers",
    ]);
    expect(warningCodes(report)).toContain("event-fork-dropped");
  });
});

describe("snapshot-agent's policy file", () => {
  const scratch = mkdtempSync(join(tmpdir(), "snapshot-agent-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const policyFile = (name: string, text: string): string => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };

  it("the shipped policy has no lint: everything it requires exists at its minKernel 4.14", () => {
    const report = started(mockBackend({ kernel: "6.18", capSysPtrace: true }));
    expect(report.policy).toBe("snapshot-agent");
    expect(report.policyLints).toEqual([]);
  });

  it("a policy requiring WP_ASYNC with minKernel 4.14 is reported as a lint, with its file and line", () => {
    const path = policyFile(
      "eager.yaml",
      'version: 1\nname: eager\nfeatures:\n  required: [MISSING_SHMEM, WP_ASYNC]\nminKernel: "4.14"\n',
    );
    const report = started(mockBackend({ kernel: "6.18", capSysPtrace: true }), path);
    expect(report.policy).toBe("eager");
    expect(report.policyLints).toHaveLength(1);
    expect(report.policyLints[0]).toMatch(
      new RegExp(`^${path}:4:\\d+ features\\.required\\[1\\]: WP_ASYNC is required`),
    );
    expect(formatReport(report)).toContain(`policy lint: ${report.policyLints[0]}`);
  });

  it("a policy that leaves the write-protect features out gives snapshots off even on 6.18", () => {
    const path = policyFile(
      "restore-only.yaml",
      "version: 1\nname: restore-only\nfeatures:\n  optional: [THREAD_ID]\n",
    );
    const report = started(mockBackend({ kernel: "6.18", capSysPtrace: true }), path);
    expect([report.writeTracking.mode, report.threadAttribution, report.followsForks]).toEqual([
      "off",
      true,
      false,
    ]);
  });

  it("an invalid policy file stops the agent before it opens anything", () => {
    const path = policyFile("typo.yaml", "version: 1\nfeatures:\n  required: [MISSING_SHMEMS]\n");
    const backend = mockBackend({ kernel: "6.18", capSysPtrace: true });
    const result = startApp({ backend, policyPath: path });
    expect(backend.counts).toEqual({ open: 0, api: 0, close: 0 });
    const error = result._unsafeUnwrapErr();
    if (error.kind !== "invalid-policy") return expect.fail(`expected invalid-policy, got ${error.kind}`);
    expect(error.policyPath).toBe(path);
    expect(error.error.issues.map((issue) => [issue.path, issue.line])).toEqual([
      ["features.required[0]", 3],
    ]);
    expect(error.message).toContain("MISSING_SHMEMS");
  });
});

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadMultiPolicy } from "@negotiate/core";
import { landlockBackend } from "@negotiate/linux";
import { landlockMockBackend } from "@negotiate/mock";
import { kernelTable } from "@negotiate/mock/vitest";
import { describe, expect, it } from "vitest";
import { runTool } from "../src/run-tool.js";
import { planSandbox } from "../src/sandbox-plan.js";

const POLICY_FILE = fileURLToPath(new URL("../policy.yaml", import.meta.url));
const policy = loadMultiPolicy(POLICY_FILE)._unsafeUnwrap();

// The fleet, by the release each distro's kernel prints (the test kit names the rows; the Landlock mock
// recognises the distro kernels by the same release).
const FLEET = kernelTable([
  "5.15.0-124-generic",
  "6.8.0-45-generic",
  "6.1.0-26-amd64",
  "5.14.0-611.5.1.el9_7.x86_64",
]);
// `degraded` is handled but weaker than documented (a fix the kernel lacks): confined all the same.
const statusOf = (plan: { rights: readonly { name: string; status: string }[] }) =>
  Object.fromEntries(
    plan.rights.map((right) => [right.name, right.status === "degraded" ? "enforced" : right.status]),
  );

describe("sandbox plan on the distro kernels (mock)", () => {
  it.each([
    // Ubuntu 22.04 (ABI 1): no TRUNCATE, no TCP, no scopes.
    ["5.15.0-124-generic", 1, { TRUNCATE: "unavailable", BIND_TCP: "unavailable", SIGNAL: "unavailable" }],
    // Ubuntu 24.04 (ABI 4): TCP, still no scopes.
    ["6.8.0-45-generic", 4, { TRUNCATE: "enforced", BIND_TCP: "enforced", SIGNAL: "unavailable" }],
    // Debian 12 (ABI 2): REFER but not TRUNCATE or TCP.
    ["6.1.0-26-amd64", 2, { TRUNCATE: "unavailable", BIND_TCP: "unavailable", SIGNAL: "unavailable" }],
    // RHEL 9.7 (says 6): SIGNAL works, the abstract-unix scope is refused and so left out.
    ["5.14.0-611.5.1.el9_7.x86_64", 6, { SIGNAL: "enforced", ABSTRACT_UNIX_SOCKET: "unavailable" }],
  ] as const)(
    "%s: ABI %i, the required rights enforced, the optional ones as the kernel allows",
    (kernel, abi, expected) => {
      const row = FLEET.find((entry) => entry.options.kernel === kernel)!;
      const port = landlockMockBackend({ kernel: row.options.kernel, noNewPrivs: true });
      const plan = planSandbox(policy, port)._unsafeUnwrap();
      expect(plan.abi).toBe(abi);
      expect(plan.coverage).toBe("partial");
      const statuses = statusOf(plan);
      for (const required of ["READ_FILE", "READ_DIR", "WRITE_FILE", "EXECUTE"])
        expect(statuses[required]).toBe("enforced");
      expect(statuses).toMatchObject(expected);
      // Path rules are added everywhere; the port rule only where TCP rights are handled.
      expect(plan.rules.filter((rule) => rule.rule.startsWith("/")).every((rule) => rule.added)).toBe(true);
      expect(plan.rules.find((rule) => rule.rule === "port 8080")!.added).toBe(abi >= 4);
      // Nothing left open, nothing restricted.
      expect(port.openFds()).toEqual([]);
      expect(port.restriction().layers).toBe(0);
    },
  );

  it("refuses to run unconfined where there is no Landlock (gVisor), saying why", () => {
    const plan = planSandbox(policy, landlockMockBackend({ kernel: "4.4.0", build: "not-built" }));
    expect(plan._unsafeUnwrapErr()).toMatchObject({ kind: "unsupported", reason: "no-landlock" });
  });
});

const abi = landlockBackend().andThen((port) => port.abiVersion());

// The unprivileged child runs this checkout's sources: a checkout uid 65534 cannot read (a 0700 `mktemp -d`)
// skips that case, saying why.
const TOOL_SOURCE = fileURLToPath(new URL("../src/sandbox-child.ts", import.meta.url));
const readableByNobody =
  spawnSync("setpriv", [
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--inh-caps=-all",
    "/usr/bin/test",
    "-r",
    TOOL_SOURCE,
  ]).status === 0;

// The tool runs in a child that restricts itself first; this test runner is never restricted.
describe.runIf(abi.isOk())("sandbox on this kernel", () => {
  it.each([["root", undefined], ...(readableByNobody ? ([["uid 65534", 65534]] as const) : [])] as const)(
    "as %s: the tool reads /etc, cannot write or read elsewhere; its exit code passes through",
    (_who, uid) => {
      const options = uid === undefined ? {} : { uid };
      const sh = (script: string) => runTool(POLICY_FILE, "/usr/bin/sh", ["-c", script], options);
      // Output goes to pipes: opening /dev/null for writing is denied too (WRITE_FILE is handled, not allowed there).
      const read = sh("cat /etc/hostname");
      expect(read).toMatchObject({ code: 0, stdout: readFileSync("/etc/hostname", "utf8") });
      expect(read.report).toMatchObject({ ok: true, restricted: true });
      const write = sh("echo x > /tmp/sandbox-denied || exit 13");
      expect(write.code).toBe(13);
      expect(write.stderr).toMatch(/Permission denied/);
      expect(sh("ls /home || exit 7").code).toBe(7);
    },
  );
  if (!readableByNobody)
    it.skip("as uid 65534: skipped, because uid 65534 cannot read this checkout (a 0700 folder) to run the tool", () => {});
});

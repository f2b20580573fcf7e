import { type LandlockMockOptions, landlockMockBackend, type MockLandlockPort } from "@negotiate/mock";
import { err } from "neverthrow";
import { describe, expect, it } from "vitest";
import {
  createLandlockSession,
  LANDLOCK_CATALOGUE,
  type LandlockPolicy,
  type LandlockPort,
  type LandlockRightName,
  type LandlockRuleSpec,
} from "../../src/landlock/index.js";
import { landlockPolicy, negotiatedGrant } from "./support/negotiated-grant.js";

type AnyPolicy = LandlockPolicy<LandlockRightName, LandlockRightName>;

function sessionOn(options: LandlockMockOptions | MockLandlockPort, fields: Partial<AnyPolicy>) {
  const port = "kernel" in options ? landlockMockBackend(options) : options;
  const policy = landlockPolicy<LandlockRightName, LandlockRightName>(fields);
  const session = createLandlockSession(port, negotiatedGrant(port, policy), policy);
  return { port, session: session._unsafeUnwrap() };
}

const statusOf = (session: { rights: readonly { name: string; status: string }[] }) =>
  Object.fromEntries(session.rights.map((right) => [right.name, right.status]));

describe("Landlock session: per-right reports", () => {
  it("is full on 7.0 (ABI 8, every erratum fixed): every wanted right enforced, enabled typed by the policy", () => {
    const policy = landlockPolicy({
      required: ["READ_FILE", "READ_DIR"],
      optional: ["BIND_TCP", "SIGNAL", "TSYNC"],
    });
    const port = landlockMockBackend({ kernel: "7.0.3" });
    const session = createLandlockSession(port, negotiatedGrant(port, policy), policy)._unsafeUnwrap();
    expect(session.coverage).toBe("full");
    expect(statusOf(session)).toEqual({
      READ_FILE: "enforced",
      READ_DIR: "enforced",
      BIND_TCP: "enforced",
      SIGNAL: "enforced",
      TSYNC: "enforced",
    });
    const required: true = session.enabled.READ_FILE;
    const optional: boolean = session.enabled.TSYNC;
    expect([required, optional]).toEqual([true, true]);
    session.close();
  });

  it("on 6.18 (ABI 7): TSYNC unavailable, naming ABI 8 and Linux 7.0; coverage partial", () => {
    const { session } = sessionOn({ kernel: "6.18.4" }, { required: ["READ_FILE"], optional: ["TSYNC"] });
    const tsync = session.rights.find((right) => right.name === "TSYNC")!;
    expect(tsync).toMatchObject({ status: "unavailable", required: false, group: "restrict" });
    expect(tsync.reason).toMatch(/ABI 8 \(Linux 7\.0\); this kernel has ABI 7/);
    expect(session.enabled).toEqual({ READ_FILE: true, TSYNC: false });
    expect(session.coverage).toBe("partial");
    session.close();
  });

  it("degrades the rights an unfixed erratum weakens: on 6.12 (no ERRATA query) TCP, SIGNAL and fs rights", () => {
    const { session } = sessionOn({ kernel: "6.12.40" }, { optional: ["READ_FILE", "BIND_TCP", "SIGNAL"] });
    expect(statusOf(session)).toEqual({ READ_FILE: "degraded", BIND_TCP: "degraded", SIGNAL: "degraded" });
    const reason = (name: string) => session.rights.find((right) => right.name === name)!.reason;
    expect(reason("BIND_TCP")).toMatch(/erratum 1 .*MPTCP/);
    expect(reason("SIGNAL")).toMatch(/erratum 2 .*signal each other/);
    expect(reason("READ_FILE")).toMatch(/erratum 3 .*disconnected/);
    expect(session.coverage).toBe("partial");
    session.close();
  });

  it("degrades only what the mask lacks: errata 0x3 leaves fs rights degraded, TCP and SIGNAL enforced", () => {
    const options = { kernel: "6.15.9", errata: 3n } as const;
    const { session } = sessionOn(options, { optional: ["READ_FILE", "CONNECT_TCP", "SIGNAL"] });
    expect(statusOf(session)).toEqual({ READ_FILE: "degraded", CONNECT_TCP: "enforced", SIGNAL: "enforced" });
    session.close();
  });

  it("names the vendor quirk: RHEL 9.7 reports ABI 6 but refuses ABSTRACT_UNIX_SOCKET", () => {
    const options = { kernel: "5.14.0-611.el9.x86_64", quirks: { abi: 6, rejectedScopes: 1n } } as const;
    const port = landlockMockBackend(options);
    const policy = landlockPolicy({ optional: ["READ_FILE", "ABSTRACT_UNIX_SOCKET"] });
    // The negotiation knows the quirk: its grant's supported set leaves the scope out, and handles the rest.
    const grant = negotiatedGrant(port, landlockPolicy({ optional: ["READ_FILE"] }));
    const supported = { ...grant.supported, scope: grant.supported.scope & ~1n };
    const session = createLandlockSession(port, { ...grant, supported }, policy)._unsafeUnwrap();
    const scope = session.rights.find((right) => right.name === "ABSTRACT_UNIX_SOCKET")!;
    expect(scope.status).toBe("unavailable");
    expect(scope.reason).toMatch(/quirk/);
    session.close();
  });

  it("a none session (no Landlock, run-unconfined) handles nothing, skips rules and confines nothing, saying so", () => {
    const port = landlockMockBackend({ kernel: "6.18.4", build: "not-built" });
    const { session } = sessionOn(port, {
      required: ["READ_FILE"],
      unavailable: "run-unconfined",
    });
    expect(session.coverage).toBe("none");
    expect(session.fd).toBeUndefined();
    expect(session.rights[0]).toMatchObject({ name: "READ_FILE", status: "unavailable" });
    // The negotiation's warning says it; the session does not say it twice.
    expect(session.warnings.filter((warning) => /running unconfined/.test(warning))).toHaveLength(1);
    const grant = {
      ...negotiatedGrant(port, landlockPolicy({ unavailable: "run-unconfined" })),
      warnings: [],
    };
    const bare = createLandlockSession(port, grant, landlockPolicy({ unavailable: "run-unconfined" }));
    expect(bare._unsafeUnwrap().warnings.join()).toMatch(/no Landlock sandbox at all/);
    const rules = session.addRules([{ path: "/usr", allow: ["READ_FILE"] }])._unsafeUnwrap();
    expect(rules[0]).toMatchObject({ added: false, allowed: [] });
    const enforcement = session.enforce()._unsafeUnwrap();
    expect(enforcement).toMatchObject({ restricted: false, allThreads: false });
    expect(enforcement.warnings.join("\n")).toMatch(/run-unconfined/);
    expect(port.restriction().layers).toBe(0);
  });

  it("refuses a none grant unless the policy says run-unconfined, and a grant that lacks a required right", () => {
    const off = landlockMockBackend({ kernel: "6.18.4", build: "not-in-lsm" });
    const strict = landlockPolicy({ required: ["READ_FILE"] });
    const unconfined = negotiatedGrant(off, { ...strict, unavailable: "run-unconfined" });
    const none = createLandlockSession(off, unconfined, strict);
    expect(none._unsafeUnwrapErr()).toMatchObject({ kind: "unsupported", reason: "no-landlock" });
    expect(none._unsafeUnwrapErr().message).toMatch(/run-unconfined/);
    const port = landlockMockBackend({ kernel: "6.18.4" });
    const grant = negotiatedGrant(port, landlockPolicy({ optional: ["READ_FILE"] }));
    const lacking = createLandlockSession(port, grant, landlockPolicy({ required: ["READ_FILE", "SIGNAL"] }));
    expect(lacking._unsafeUnwrapErr()).toMatchObject({
      kind: "missing-required",
      missing: [{ name: "SIGNAL", since: "6.12", reason: "unsupported" }],
    });
    // The refused grant's ruleset is closed.
    expect(port.openFds()).toEqual([]);
  });
});

describe("Landlock session: addRules", () => {
  const rights = ["READ_FILE", "READ_DIR", "WRITE_FILE", "BIND_TCP"] as const;

  it("intersects rules with the handled set and drops directory-only rights on a file, saying what was dropped", () => {
    const { port, session } = sessionOn({ kernel: "6.18.4" }, { required: ["READ_FILE", "READ_DIR"] });
    const reports = session
      .addRules([
        { path: "/usr", allow: ["READ_FILE", "READ_DIR", "EXECUTE"] },
        { path: "/etc/hostname", allow: ["READ_FILE", "READ_DIR"] },
      ])
      ._unsafeUnwrap();
    expect(reports.map((report) => [report.added, report.allowed])).toEqual([
      [true, ["READ_FILE", "READ_DIR"]],
      [true, ["READ_FILE"]],
    ]);
    expect(reports[0]!.reason).toMatch(/dropped: EXECUTE/);
    expect(reports[1]!.reason).toMatch(/directory-only rights dropped: READ_DIR/);
    expect(session.rules).toHaveLength(2);
    // Only the ruleset stays open: each O_PATH parent was closed.
    expect(port.openFds()).toEqual([session.fd]);
    session.close();
  });

  it("skips with a warning a rule left empty, a directory-only rule on a file, a port rule before ABI 4, a missing path", () => {
    const { port, session } = sessionOn(
      { kernel: "6.2.16" },
      { required: ["READ_DIR"], optional: ["BIND_TCP"] },
    );
    const reports = session
      .addRules([
        { path: "/usr", allow: ["EXECUTE"] },
        { path: "/etc/hostname", allow: ["READ_DIR"] },
        { port: 8080, allow: ["BIND_TCP"] },
        { path: "/nonexistent", allow: ["READ_DIR"] },
      ])
      ._unsafeUnwrap();
    expect(reports.every((report) => !report.added)).toBe(true);
    // The negotiation's warning (BIND_TCP is missing on ABI 3), then one per skipped rule.
    const [missing, ...skipped] = session.warnings;
    expect(missing).toMatch(/BIND_TCP/);
    expect(skipped).toHaveLength(4);
    expect(skipped[0]).toMatch(/"\/usr" is skipped: none of its rights \(EXECUTE\)/);
    expect(skipped[1]).toMatch(/not a directory/);
    expect(skipped[2]).toMatch(/port 8080 is skipped/);
    expect(skipped[3]).toMatch(/does not exist here \(ENOENT\)/);
    expect(port.openFds()).toEqual([session.fd]);
    session.close();
  });

  it("opens rule paths in the mock's own filesystem (its paths option): others are absent", () => {
    const paths = { "/srv/data": "directory", "/srv/data/db": "file" } as const;
    const { port, session } = sessionOn({ kernel: "6.18.4", paths }, { required: ["READ_FILE", "READ_DIR"] });
    const reports = session
      .addRules(
        ["/srv/data", "/srv/data/db", "/usr"].map((path) => ({ path, allow: ["READ_FILE", "READ_DIR"] })),
      )
      ._unsafeUnwrap();
    expect(reports.map((report) => report.allowed)).toEqual([["READ_FILE", "READ_DIR"], ["READ_FILE"], []]);
    expect(reports[2]!.reason).toMatch(/ENOENT/);
    session.close();
    expect(port.openFds()).toEqual([]);
  });

  it.each([
    [[{ path: "relative", allow: ["READ_FILE"] }], "rules[0].path"],
    [[{ port: 70_000, allow: ["BIND_TCP"] }], "rules[0].port"],
    [[{ path: "/usr", allow: ["READ_FILES"] }], "rules[0].allow"],
    [[{ path: "/usr", port: 1, allow: [] }], "rules[0]"],
    [[null], "rules[0]"],
  ])("refuses the malformed rule %j as invalid-policy at %s", (rules, at) => {
    const { port, session } = sessionOn({ kernel: "6.18.4" }, { required: ["READ_FILE"] });
    const error = session.addRules(rules as unknown as LandlockRuleSpec[])._unsafeUnwrapErr();
    expect(error.kind).toBe("invalid-policy");
    if (error.kind === "invalid-policy") expect(error.issues[0]!.path).toBe(at);
    expect(port.openFds()).toEqual([session.fd]);
    session.close();
  });

  it("takes a path of up to 4095 bytes (PATH_MAX less its NUL), not one more", () => {
    const { session } = sessionOn({ kernel: "6.18.4" }, { required: ["READ_FILE"] });
    const path = (bytes: number) => `/${"é".repeat((bytes - 1) / 2)}`;
    expect(session.addRules([{ path: path(4095), allow: ["READ_FILE"] }])._unsafeUnwrap()[0]!.reason).toMatch(
      /ENOENT/,
    );
    expect(session.addRules([{ path: `${path(4095)}a`, allow: ["READ_FILE"] }])._unsafeUnwrapErr().kind).toBe(
      "invalid-policy",
    );
    session.close();
  });

  it("never meets a kernel EINVAL for a rule it built: every right on a file and a directory, ABI 1 to 10", () => {
    const names = LANDLOCK_CATALOGUE.filter((entry) => entry.group === "fs" || entry.group === "net").map(
      (entry) => entry.name,
    );
    for (const kernel of ["5.13.19", "6.2.16", "6.7.12", "6.18.4", "7.2.0"] as const) {
      const { port, session } = sessionOn({ kernel }, { optional: names });
      for (const name of names) {
        const rules: LandlockRuleSpec[] = [
          { path: "/usr", allow: [name] },
          { path: "/etc/hostname", allow: [name, "READ_FILE"] },
          { port: 443, allow: [name] },
        ];
        expect(session.addRules(rules).isOk(), `${kernel} ${name}`).toBe(true);
      }
      session.close();
      expect(port.openFds()).toEqual([]);
    }
  });

  it("reports EMFILE at open as resource-exhausted, closing what it opened", () => {
    const { port, session } = sessionOn({ kernel: "6.18.4", fdLimit: 1 }, { required: [...rights] });
    const error = session.addRules([{ path: "/usr", allow: ["READ_DIR"] }])._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "resource-exhausted", errno: "EMFILE", op: "open" });
    session.close();
    expect(port.openFds()).toEqual([]);
  });
});

describe("Landlock session: enforce", () => {
  const READS = { required: ["READ_FILE", "READ_DIR"] } as const;

  it("sets no_new_privs, restricts, closes the ruleset fd, and only once", () => {
    const { port, session } = sessionOn({ kernel: "6.18.4" }, READS);
    const enforcement = session.enforce()._unsafeUnwrap();
    expect(enforcement).toMatchObject({ restricted: true, allThreads: false, threads: 1, warnings: [] });
    expect(port.restriction()).toEqual({ layers: 1, unconfinedThreads: 0, noNewPrivs: true });
    expect([session.enforced, session.closed, session.fd]).toEqual([true, true, undefined]);
    expect(port.openFds()).toEqual([]);
    expect(session.enforce()._unsafeUnwrapErr().message).toMatch(/already enforced/);
    expect(session.addRules([])._unsafeUnwrapErr().kind).toBe("unexpected");
    expect(session.close().isOk()).toBe(true);
  });

  it("without TSYNC, refuses to restrict a process with threads (threads: fail), restricting nothing", () => {
    const { port, session } = sessionOn({ kernel: "6.18.4", threads: 7 }, READS);
    const error = session.enforce()._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "threads-unconfined", threads: 7 });
    expect(error.message).toMatch(/6 others unconfined/);
    expect(port.restriction().layers).toBe(0);
    expect(port.openFds()).toEqual([]);
  });

  it("with threads: warn, restricts the calling thread and warns that the others stay free", () => {
    const { port, session } = sessionOn({ kernel: "6.18.4", threads: 7 }, { ...READS, threads: "warn" });
    const enforcement = session.enforce()._unsafeUnwrap();
    expect(enforcement.allThreads).toBe(false);
    expect(enforcement.warnings.join()).toMatch(/6 other threads of this process stay unconfined/);
    expect(port.restriction()).toMatchObject({ layers: 1, unconfinedThreads: 6 });
  });

  it("with TSYNC (ABI 8), restricts every thread at once", () => {
    const { port, session } = sessionOn({ kernel: "7.0.3", threads: 7 }, { ...READS, optional: ["TSYNC"] });
    expect(session.enforce()._unsafeUnwrap()).toMatchObject({ allThreads: true, threads: 7, warnings: [] });
    expect(port.restriction()).toMatchObject({ layers: 1, unconfinedThreads: 0 });
  });

  it("with execNext, restricts despite threads: the exec that follows ends them", () => {
    const { port, session } = sessionOn({ kernel: "6.18.4", threads: 7 }, READS);
    expect(session.enforce({ execNext: true })._unsafeUnwrap()).toMatchObject({
      restricted: true,
      threads: 7,
    });
    expect(port.restriction().layers).toBe(1);
  });

  it("EPERM when no_new_privs cannot be set and the caller lacks CAP_SYS_ADMIN: cause no-new-privs", () => {
    for (const capSysAdmin of [false, true]) {
      const mock = landlockMockBackend({ kernel: "6.18.4", capSysAdmin });
      // prctl refused (a kernel before 3.5, a seccomp filter): the thread has no no_new_privs.
      const port: LandlockPort = Object.assign(Object.create(mock) as MockLandlockPort, {
        setNoNewPrivs: () => err({ errno: "EINVAL" as const }),
      });
      const { session } = sessionOn(port as MockLandlockPort, READS);
      const result = session.enforce();
      if (capSysAdmin) {
        expect(result._unsafeUnwrap().warnings.join()).toMatch(/no_new_privs could not be set \(EINVAL\)/);
        continue;
      }
      const error = result._unsafeUnwrapErr();
      expect(error).toMatchObject({
        kind: "permission-denied",
        errno: "EPERM",
        cause: { kind: "no-new-privs" },
      });
      if (error.kind === "permission-denied") expect(error.hint).toMatch(/no_new_privs/);
      expect(mock.openFds()).toEqual([]);
    }
  });

  it.each([
    ["6.18.4", 16],
    ["5.15.0", 64],
  ] as const)("E2BIG past the layer limit on %s: cause layers, limit %d", (kernel, limit) => {
    const port = landlockMockBackend({ kernel });
    for (let layer = 0; layer < limit; layer++) sessionOn(port, READS).session.enforce()._unsafeUnwrap();
    const error = sessionOn(port, READS).session.enforce()._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: "permission-denied",
      errno: "E2BIG",
      cause: { kind: "layers", limit },
    });
    expect(port.openFds()).toEqual([]);
  });

  it("using closes the ruleset when the block ends", () => {
    const port = landlockMockBackend({ kernel: "6.18.4" });
    {
      using session = sessionOn(port, READS).session;
      expect(port.openFds()).toEqual([session.fd]);
    }
    expect(port.openFds()).toEqual([]);
  });
});

describe("Landlock session: no fd left", () => {
  it("over 2,000 sessions with rule failures, skips and enforce errors, every fd is closed", () => {
    const port = landlockMockBackend({ kernel: "6.18.4", threads: 3, fdLimit: 64 });
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    for (let round = 0; round < 2000; round++) {
      const policy = {
        required: ["READ_FILE", "READ_DIR"],
        threads: round % 3 === 0 ? "warn" : "fail",
      } as const;
      const { session } = sessionOn(port, policy);
      const rules: LandlockRuleSpec[] =
        round % 4 === 0
          ? [
              { path: "/usr", allow: ["READ_DIR"] },
              { path: "/missing", allow: ["READ_FILE"] },
            ]
          : round % 4 === 1
            ? [
                { path: "/etc/hostname", allow: ["READ_DIR"] },
                { path: "bad", allow: [] },
              ]
            : [{ path: "/etc", allow: ["READ_FILE"] }];
      const added = session.addRules(rules);
      count(added.isOk() ? "rules ok" : added.error.kind);
      const enforced = round % 5 === 4 ? undefined : session.enforce();
      count(enforced === undefined ? "not enforced" : enforced.isOk() ? "enforced" : enforced.error.kind);
      session.close();
      // Layers run out after 16: later enforcements fail with E2BIG (permission-denied).
    }
    expect(outcomes.get("invalid-policy")).toBeGreaterThan(0);
    expect(outcomes.get("threads-unconfined")).toBeGreaterThan(0);
    expect(outcomes.get("permission-denied")).toBeGreaterThan(0);
    expect(outcomes.get("enforced")).toBe(16);
    expect(port.openFds()).toEqual([]);
  });
});

import { Knowledge, type StrategyName } from "@negotiate/core";
import {
  type LandlockPolicy,
  type LandlockRightName,
  negotiateLandlockGrant,
} from "@negotiate/core/landlock";
import { landlockMockBackend, landlockMockScenario, type MockLandlockPort } from "@negotiate/mock";
import { describe, expect, it } from "vitest";
import { landlockPolicyOf } from "../support/landlock-policy.js";

const STRATEGIES: readonly StrategyName[] = ["probe", "one-shot", "auto"];

const AGENT = landlockPolicyOf({
  required: ["READ_FILE", "READ_DIR"],
  optional: ["TRUNCATE", "BIND_TCP", "SIGNAL", "ABSTRACT_UNIX_SOCKET", "TSYNC"],
});

function negotiateOn(port: MockLandlockPort, policy: LandlockPolicy<LandlockRightName, LandlockRightName>) {
  return negotiateLandlockGrant(policy, { backend: port, knowledge: new Knowledge() });
}

describe("Landlock negotiated by the generic strategies", () => {
  const kernels: {
    kernel: `${number}.${number}.${number}`;
    fs: bigint;
    net: bigint;
    scope: bigint;
    missing: string[];
  }[] = [
    { kernel: "5.15.0", fs: 0x0cn, net: 0n, scope: 0n, missing: ["TRUNCATE", "BIND_TCP", "SIGNAL"] },
    { kernel: "6.8.0", fs: 0x400cn, net: 0x1n, scope: 0n, missing: ["SIGNAL", "ABSTRACT_UNIX_SOCKET"] },
    { kernel: "6.18.0", fs: 0x400cn, net: 0x1n, scope: 0x3n, missing: ["TSYNC"] },
    { kernel: "7.0.0", fs: 0x400cn, net: 0x1n, scope: 0x3n, missing: [] },
  ];
  for (const strategy of STRATEGIES)
    for (const { kernel, fs, net, scope, missing } of kernels)
      it(`${strategy} on ${kernel} handles exactly the wanted rights its ABI has`, () => {
        const port = landlockMockBackend({ kernel });
        const grant = negotiateOn(port, { ...AGENT, strategy })._unsafeUnwrap();
        expect(grant.handled).toMatchObject({ fs, net, scope });
        for (const name of missing) expect(grant.missingOptional).toContain(name);
        expect(grant.rulesetFd).toBe(port.openFds().at(-1));
        port.close(grant.rulesetFd!);
        expect(port.openFds()).toEqual([]);
      });

  it("auto goes straight to the ruleset once the ABI is known, and probe never sends an unknown bit", () => {
    const port = landlockMockBackend({ kernel: "6.8.0" });
    const knowledge = new Knowledge();
    const first = negotiateLandlockGrant(AGENT, { backend: port, knowledge })._unsafeUnwrap();
    const second = negotiateLandlockGrant(AGENT, { backend: port, knowledge })._unsafeUnwrap();
    expect(second.route).toBe("known-supported");
    // One syscall: the ABI and errata come from what the first negotiation learned.
    expect(second.trace.map((entry) => entry.op)).toEqual(["landlock-create-ruleset"]);
    expect(second).toMatchObject({ abi: 4, errata: first.errata });
    const probed = negotiateOn(port, { ...AGENT, strategy: "probe" })._unsafeUnwrap();
    expect(
      probed.trace.every((entry) => entry.op !== "landlock-create-ruleset" || entry.result === "ok"),
    ).toBe(true);
    for (const grant of [first, second, probed]) port.close(grant.rulesetFd!);
  });

  it("RHEL 9.7 says ABI 6 yet refuses the abstract-unix scope: the quirk table leaves it out", () => {
    for (const strategy of STRATEGIES) {
      const port = landlockMockScenario("rhel-9.7");
      const grant = negotiateOn(port, { ...AGENT, strategy })._unsafeUnwrap();
      expect(grant.abi).toBe(6);
      expect(grant.handled.scope).toBe(0x2n);
      expect(grant.missingOptional).toContain("ABSTRACT_UNIX_SOCKET");
      port.close(grant.rulesetFd!);
    }
  });

  it("one-shot with onReject: fail reports the refused request by name", () => {
    const port = landlockMockBackend({ kernel: "5.15.0" });
    const error = negotiateOn(port, { ...AGENT, strategy: "one-shot", onReject: "fail" })._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "kernel-rejected", errno: "EINVAL" });
    expect(error.message).toContain("TRUNCATE");
    expect(port.openFds()).toEqual([]);
  });

  it("a required right the ABI lacks is missing-required, naming the release and ABI that added it", () => {
    const port = landlockMockBackend({ kernel: "6.1.0" });
    const error = negotiateOn(
      port,
      landlockPolicyOf({ required: ["READ_FILE", "BIND_TCP"] }),
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({
      kind: "missing-required",
      missing: [{ name: "BIND_TCP", since: "6.7 (ABI 4)" }],
    });
    expect(port.openFds()).toEqual([]);
  });

  const unavailable = [
    {
      name: "not built",
      options: { kernel: "6.8.0", build: "not-built" },
      kind: "unsupported",
      cause: "not-built",
    },
    {
      name: "not in lsm=",
      options: { kernel: "6.8.0", build: "not-in-lsm" },
      kind: "unsupported",
      cause: "disabled",
    },
    {
      name: "an EPERM filter",
      options: { kernel: "6.8.0", filter: "EPERM" },
      kind: "permission-denied",
      cause: "filter",
    },
  ] as const;
  for (const { name, options, kind, cause } of unavailable) {
    it(`Landlock ${name}: ${kind} with the cause and a fix, or a warned unconfined grant when allowed`, () => {
      for (const strategy of STRATEGIES) {
        const port = landlockMockBackend(options);
        const error = negotiateOn(port, { ...AGENT, strategy })._unsafeUnwrapErr();
        expect(error).toMatchObject({ kind, cause: { kind: cause } });
        expect("hint" in error && error.hint).toBeTruthy();
        const grant = negotiateOn(port, {
          ...AGENT,
          strategy,
          unavailable: "run-unconfined",
        })._unsafeUnwrap();
        expect(grant).toMatchObject({ rulesetFd: undefined, route: "unconfined" });
        expect(grant.warnings.map((warning) => warning.code)).toEqual(["unconfined"]);
        expect(port.openFds()).toEqual([]);
      }
    });
  }

  it("forbidden rights are never handled, and bad arguments are errors, not throws", () => {
    const port = landlockMockBackend({ kernel: "6.18.0" });
    const grant = negotiateOn(port, { ...AGENT, forbidden: ["TRUNCATE", "SIGNAL"] })._unsafeUnwrap();
    expect(grant.handled.fs & 0x4000n).toBe(0n);
    expect(grant.handled.scope).toBe(0x1n);
    port.close(grant.rulesetFd!);
    for (const bad of [null, {}, { backend: {} }, { backend: null }])
      expect(negotiateLandlockGrant(AGENT, bad as never)._unsafeUnwrapErr().kind).toBe("backend-unavailable");
    expect(negotiateLandlockGrant(null as never, { backend: port })._unsafeUnwrapErr().kind).toBe(
      "backend-unavailable",
    );
  });

  it("a policy checked once with a port is still checked with other options: null, a throwing Proxy, no backend", () => {
    const port = landlockMockBackend({ kernel: "6.18.0" });
    const grant = negotiateOn(port, AGENT)._unsafeUnwrap();
    port.close(grant.rulesetFd!);
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error("hostile");
        },
      },
    );
    for (const bad of [null, undefined, {}, { backend: null }, throwing])
      expect(negotiateLandlockGrant(AGENT, bad as never)._unsafeUnwrapErr().kind).toBe("backend-unavailable");
    expect(negotiateLandlockGrant(undefined as never, {} as never)._unsafeUnwrapErr().kind).toBe(
      "backend-unavailable",
    );
  });
});

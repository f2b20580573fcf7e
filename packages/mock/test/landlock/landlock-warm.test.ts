import { Knowledge } from "@negotiate/core";
import {
  type LandlockNegotiation,
  type LandlockPolicy,
  type LandlockRightName,
  negotiateLandlockGrant,
} from "@negotiate/core/landlock";
import { landlockMockBackend, type MockLandlockPort } from "@negotiate/mock";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { landlockPolicyOf } from "../support/landlock-policy.js";

// `auto` once warm renews the plan's last Landlock grant for the new ruleset instead of building it again
// (`renewSession`), warnings included: every repeat must be what a negotiation that builds it gives, and
// anything the process learns anew (the knowledge forgotten, another kernel) must make it build again.

const POLICIES = {
  // TRUNCATE (ABI 3), BIND_TCP (4), SIGNAL (6), TSYNC (8): some missing on every kernel below.
  "optional rights past the ABI, warned of": landlockPolicyOf({
    required: ["READ_FILE"],
    optional: ["TRUNCATE", "BIND_TCP", "SIGNAL", "TSYNC"],
    onMissingOptional: "warn",
  }),
  "optional rights past the ABI, ignored": landlockPolicyOf({
    optional: ["READ_DIR", "TRUNCATE", "BIND_TCP", "SIGNAL", "TSYNC"],
  }),
  "required rights only": landlockPolicyOf({ required: ["READ_FILE", "READ_DIR", "EXECUTE"] }),
};

const KERNELS = ["5.15.0", "6.8.0", "6.18.0", "5.14.0-611.el9.x86_64"] as const;

// A grant as an app reads it; the fd is compared apart (every repeat makes a new ruleset).
function shapeOf(grant: LandlockNegotiation) {
  const { rulesetFd: _fd, trace, ...rest } = grant;
  return { ...rest, calls: trace.map((entry) => entry.op) };
}

function negotiateOnce(
  port: MockLandlockPort,
  policy: LandlockPolicy<LandlockRightName, LandlockRightName>,
  knowledge: Knowledge,
) {
  const grant = negotiateLandlockGrant(policy, { backend: port, knowledge })._unsafeUnwrap();
  expect(port.openFds()).toContain(grant.rulesetFd);
  expect(grant.trace).toContainEqual(
    expect.objectContaining({ op: "landlock-create-ruleset", result: "ok", fd: grant.rulesetFd }),
  );
  port.close(grant.rulesetFd!);
  return grant;
}

describe("Landlock auto once warm", () => {
  for (const kernel of KERNELS)
    for (const [name, policy] of Object.entries(POLICIES))
      it(`${kernel}, ${name}: every repeat is the grant a fresh build gives`, () => {
        const port = landlockMockBackend({ kernel });
        const knowledge = new Knowledge();
        negotiateOnce(port, policy, knowledge);
        // Built by the handshake from what the first negotiation learned: what every repeat must equal.
        const built = negotiateOnce(port, policy, knowledge);
        // A one-shot ruleset that the kernel takes whole tells no supported set: with nothing optional there is
        // nothing to narrow, so every negotiation is that one call (and the version query for the report).
        expect(built.route).toBe(name === "required rights only" ? "one-shot" : "known-supported");
        // Every other repeat with one more fd open: its ruleset gets another fd, which its grant must name.
        const repeats = Array.from({ length: 4 }, (_, index) => {
          const held = index % 2 ? port.createRuleset({ handledAccessFs: 1n })._unsafeUnwrap() : undefined;
          const repeat = negotiateOnce(port, policy, knowledge);
          if (held !== undefined) {
            expect(repeat.rulesetFd).not.toBe(built.rulesetFd);
            port.close(held);
          }
          return repeat;
        });
        for (const repeat of repeats) {
          expect(shapeOf(repeat)).toEqual(shapeOf(built));
          expect(repeat.warnings).toEqual(built.warnings);
          expect(Object.isFrozen(repeat.warnings)).toBe(true);
          for (const warning of repeat.warnings) expect(Object.isFrozen(warning)).toBe(true);
        }
        if (name.endsWith("warned of"))
          expect(built.warnings.map((warning) => warning.code)).toContain("missing-optional");
        // An equal policy object has a plan of its own, built by the handshake: it agrees with the renewed grants.
        expect(shapeOf(negotiateOnce(port, { ...policy }, knowledge))).toEqual(shapeOf(built));
        expect(port.openFds()).toEqual([]);
      });

  it("builds the grant again from a new probe once the knowledge is forgotten, and from another kernel's", () => {
    const policy = POLICIES["optional rights past the ABI, warned of"];
    const knowledge = new Knowledge();
    const old = landlockMockBackend({ kernel: "5.15.0" });
    for (let i = 0; i < 3; i++) negotiateOnce(old, policy, knowledge);
    knowledge.forget(old);
    const again = negotiateOnce(old, policy, knowledge);
    expect(again.trace.map((entry) => entry.op)).toContain("landlock-version");
    // Another kernel (another port) with the same plan: its own ABI, never the old grant's.
    const newer = landlockMockBackend({ kernel: "6.18.0" });
    for (let i = 0; i < 3; i++) negotiateOnce(newer, policy, knowledge);
    const onNewer = negotiateOnce(newer, policy, knowledge);
    const onOld = negotiateOnce(old, policy, knowledge);
    expect(onNewer.abi).toBe(7);
    expect(onOld.abi).toBe(1);
    expect(onNewer.missingOptional).toEqual(["TSYNC"]);
    expect(onOld.missingOptional).toEqual(["TRUNCATE", "BIND_TCP", "SIGNAL", "TSYNC"]);
    expect(onOld.handled.fs).not.toBe(onNewer.handled.fs);
  });

  it("builds the grant again when the supported set was probed anew, even the same (another answer: its errata)", () => {
    const policy = POLICIES["optional rights past the ABI, ignored"];
    const mock = landlockMockBackend({ kernel: "6.18.0" });
    // The same kernel, whose errata answer changes and whose next ruleset can be refused as unknown (EINVAL).
    let errata = 1n;
    let refuseNext = false;
    const port: MockLandlockPort = Object.assign(Object.create(mock) as MockLandlockPort, {
      errata: () => ok(errata),
      createRuleset: (...args: Parameters<MockLandlockPort["createRuleset"]>) => {
        if (!refuseNext) return mock.createRuleset(...args);
        refuseNext = false;
        return err({ errno: "EINVAL" as const });
      },
    });
    const knowledge = new Knowledge();
    for (let i = 0; i < 3; i++) expect(negotiateOnce(port, policy, knowledge).errata).toBe(1n);
    // Another plan over the same knowledge meets the refusal: it forgets, probes again, and learns the new errata
    // along with the same supported set.
    errata = 3n;
    refuseNext = true;
    expect(negotiateOnce(port, { ...policy }, knowledge).errata).toBe(3n);
    // The warm plan's supported set is the same, its probed answer is not: its grant says what the kernel said last.
    expect(negotiateOnce(port, policy, knowledge).errata).toBe(3n);
    expect(mock.openFds()).toEqual([]);
  });
});

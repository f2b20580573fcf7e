import {
  catalogue,
  definePolicy,
  type FeatureName,
  Knowledge,
  type NegotiationError,
  negotiate,
  type Session,
} from "@negotiate/core";
import { MOCK_ARCHES, type MockOptions, mockBackend } from "@negotiate/mock";
import fc from "fast-check";
import type { Result } from "neverthrow";
import { describe, expect, it } from "vitest";

// `auto` learns on its first negotiation and checks its first known-supported session in full; from then on an
// outcome that made a clean session (no warning, verified) is accepted without the checks. Whatever the kernel,
// privileges and policy, every repeat must give the session (or error) the checked one gave, call for call.

const releases = fc
  .record({ major: fc.integer({ min: 4, max: 6 }), minor: fc.nat(19), patch: fc.nat(200) })
  .map(({ major, minor, patch }) => `${major}.${minor}.${patch}` as MockOptions["kernel"]);

const environments: fc.Arbitrary<MockOptions> = fc.record(
  {
    kernel: releases,
    arch: fc.constantFrom(...MOCK_ARCHES),
    capSysPtrace: fc.boolean(),
    unprivilegedUserfaultfd: fc.constantFrom(0 as const, 1 as const),
    device: fc.constantFrom("absent" as const, "denied" as const, "ok" as const),
    quirks: fc.record(
      { dropsUnknownBits: fc.boolean(), acceptsMaskedBits: fc.boolean() },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["kernel"] },
);

const NAMES = catalogue.map((entry) => entry.name) as FeatureName[];
const policies = fc
  .record({
    required: fc.subarray(NAMES, { maxLength: 2 }),
    optional: fc.subarray(NAMES, { maxLength: 6 }),
    open: fc.constantFrom("auto" as const, "syscall" as const, "device" as const),
    onMissingOptional: fc.constantFrom("ignore" as const, "warn" as const, "error" as const),
    verify: fc.boolean(),
  })
  .map(({ required, optional, ...rest }) =>
    definePolicy({
      features: { required, optional: optional.filter((name) => !required.includes(name)) },
      strategy: "auto",
      ...rest,
    }),
  )
  .filter((policy) => policy.isOk())
  .map((policy) => policy._unsafeUnwrap());

// What a negotiation gave, fds left out (each negotiation has its own).
function shapeOf(result: Result<Session<never, FeatureName>, NegotiationError>): Record<string, unknown> {
  if (result.isErr()) return { error: result.error.kind, message: result.error.message.replace(/\d+/g, "#") };
  const session = result.value;
  const shape = {
    enabled: session.enabledSet.names(),
    supported: session.supported.names(),
    requested: session.requested.names(),
    missingOptional: [...session.missingOptional],
    ioctls: session.ioctls,
    open: session.open,
    route: session.route,
    strategy: session.strategy,
    warnings: session.warnings.map((warning) => warning.code),
    trace: session.trace.map((entry) => `${entry.op}:${entry.result}`),
  };
  session.close();
  return shape;
}

describe("auto, negotiated again and again", () => {
  it("gives every repeat exactly what its first checked known-supported negotiation gave", () => {
    fc.assert(
      fc.property(environments, policies, (options, policy) => {
        const backend = mockBackend(options);
        const knowledge = new Knowledge();
        const first = shapeOf(negotiate(policy, { backend, knowledge }));
        const checked = shapeOf(negotiate(policy, { backend, knowledge }));
        for (let repeat = 0; repeat < 3; repeat++)
          expect(shapeOf(negotiate(policy, { backend, knowledge }))).toEqual(checked);
        // The first negotiation learned; it may have taken another route, never another enabled set.
        if (!("error" in first) && !("error" in checked)) expect(checked.enabled).toEqual(first.enabled);
        expect(backend.openFds()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

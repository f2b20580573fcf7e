import { catalogue, definePolicy, type FeatureName, Knowledge, negotiate } from "@negotiate/core";
import { mockBackend } from "@negotiate/mock";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { environmentsWith } from "./support/mock-environments.js";
import { sessionShapeOf } from "./support/session-shape.js";

// `auto` learns on its first negotiation and checks its first known-supported session in full; from then on an
// outcome that settled into a session (verified, its warnings all its own: optional features missing or dropped)
// is accepted without the checks, warning the same. Whatever the kernel, privileges and policy, every repeat must
// give the session (or error) the checked one gave, warnings included, call for call.

const environments = environmentsWith({
  unprivilegedUserfaultfd: fc.constantFrom(0 as const, 1 as const),
  device: fc.constantFrom("absent" as const, "denied" as const, "ok" as const),
});

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

describe("auto, negotiated again and again", () => {
  it("gives every repeat exactly what its first checked known-supported negotiation gave", () => {
    fc.assert(
      fc.property(environments, policies, (options, policy) => {
        const backend = mockBackend(options);
        const knowledge = new Knowledge();
        const first = sessionShapeOf(negotiate(policy, { backend, knowledge }));
        const checked = sessionShapeOf(negotiate(policy, { backend, knowledge }));
        for (let repeat = 0; repeat < 3; repeat++)
          expect(sessionShapeOf(negotiate(policy, { backend, knowledge }))).toEqual(checked);
        // The first negotiation learned; it may have taken another route, never another enabled set.
        if (!("error" in first) && !("error" in checked)) expect(checked.enabled).toEqual(first.enabled);
        expect(backend.openFds()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

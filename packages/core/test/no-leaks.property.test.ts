import { catalogue, type Errno, type FeatureName, Knowledge, negotiate, OPEN_MODES } from "@negotiate/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FakeBackend, type FakeKernel } from "./support/fake-backend.js";
import { testPolicy } from "./support/test-policy.js";

const names = catalogue.map((entry) => entry.name);
const featureNames = fc.subarray(names, { maxLength: 5 });
const openErrno = fc.constantFrom<Errno | undefined>(
  undefined,
  "EPERM",
  "EACCES",
  "ENOENT",
  "EINVAL",
  "ENOSYS",
  "EMFILE",
);

const kernels: fc.Arbitrary<FakeKernel> = fc.record({
  supported: fc.bigInt({ min: 0n, max: (1n << 17n) - 1n }),
  forkAllowed: fc.boolean(),
  onlyZero: fc.boolean(),
  dropsUnsupported: fc.boolean(),
  openErrno: fc
    .record({ syscall: openErrno, device: openErrno, "user-mode-only": openErrno })
    .map((modes) =>
      Object.fromEntries(OPEN_MODES.flatMap((mode) => (modes[mode] ? [[mode, modes[mode]]] : []))),
    ),
  apiErrnoAt: fc
    .array(fc.tuple(fc.nat(4), fc.constantFrom<Errno>("EINVAL", "EPERM", "ENOMEM", "EFAULT")), {
      maxLength: 2,
    })
    .map((entries) => new Map(entries)),
});

const policies = fc
  .record({
    required: featureNames,
    optional: featureNames,
    oneOf: fc.array(fc.subarray(names, { minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    strategy: fc.constantFrom("auto", "probe", "one-shot" as const),
    onReject: fc.constantFrom("probe", "fail" as const),
    onMissingOptional: fc.constantFrom("ignore", "warn", "error" as const),
    userModeOnly: fc.constantFrom("allow", "forbid", "require" as const),
  })
  .map(({ required, optional, oneOf, ...rest }) =>
    testPolicy<FeatureName, FeatureName>({
      required,
      optional: optional.filter((name) => !required.includes(name)),
      oneOf,
      ...rest,
    }),
  );

describe("fd ownership on every path", () => {
  it("a failure leaves no fd open; a success leaves exactly the session's, until it is closed", () => {
    fc.assert(
      fc.property(kernels, policies, fc.integer({ min: 1, max: 3 }), (kernel, policy, rounds) => {
        const backend = new FakeBackend(kernel);
        const knowledge = new Knowledge();
        for (let round = 0; round < rounds; round++) {
          const result = negotiate(policy, { backend, knowledge });
          if (result.isErr()) {
            expect(backend.openFds.size).toBe(0);
            expect(result.error.message.length).toBeGreaterThan(0);
            continue;
          }
          const session = result.value;
          expect([...backend.openFds]).toEqual([session.fd]);
          expect(session.supported.covers(session.enabledSet)).toBe(true);
          expect(session.enabledSet.covers(session.requested.intersect(session.supported))).toBe(true);
          session.close();
          expect(backend.openFds.size).toBe(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

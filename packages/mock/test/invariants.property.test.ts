import { catalogue, featureBit, OPEN_MODES, type OpenMode, UFFD_API, withImplied } from "@negotiate/core";
import { type MockBackend, mockBackend } from "@negotiate/mock";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { environmentsWith } from "./support/mock-environments.js";

// Invariants of the reference §1, for random kernels, privileges and requests.

const FRESH = { closeOnExec: true, nonBlocking: true } as const;
const ZERO = { api: 0n, features: 0n, ioctls: 0n };
const EVENT_FORK = featureBit("EVENT_FORK");
const BIT_31 = 1n << 31n;

const environments = environmentsWith();

// Mostly catalogue bits, sometimes anything in the u64 (bit 31 and unknown bits included).
const knownBits = fc
  .subarray(catalogue.map((entry) => featureBit(entry.name)))
  .map((masks) => masks.reduce((a, b) => a | b, 0n));
const features = fc.oneof(
  { weight: 4, arbitrary: knownBits },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
);
const apiValues = fc.oneof(
  { weight: 5, arbitrary: fc.constant(UFFD_API) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 0xffn }) },
);
const calls = fc.array(fc.record({ api: apiValues, features }), { minLength: 1, maxLength: 4 });

// A fd in whichever mode this environment lets the caller open, if any.
function openAny(backend: MockBackend): number | undefined {
  for (const mode of OPEN_MODES) {
    const opened = backend.open({ mode, ...FRESH });
    if (opened.isOk()) return opened.value;
  }
  return undefined;
}

// 5.15 moved the already-initialised check after every other one, and zeroes the struct (so do 5.4.148,
// 5.10.67, 5.14.6).
const initialisedCheckedLast = (kernel: string) => {
  const [major = 0, minor = 0, patch = 0] = kernel.split(".").map(Number);
  if (major === 5 && minor === 4) return patch >= 148;
  if (major === 5 && minor === 10) return patch >= 67;
  if (major === 5 && minor === 14) return patch >= 6;
  return major > 5 || (major === 5 && minor >= 15);
};

describe("UFFDIO_API invariants", () => {
  it("zeroes the reply on every refusal but a repeated call before 5.15; a failed fd stays reusable; a second call fails and changes nothing", () => {
    fc.assert(
      fc.property(environments, calls, (options, sequence) => {
        const backend = mockBackend(options);
        const fd = openAny(backend);
        fc.pre(fd !== undefined);
        let initialised = false;
        let enabled = 0n;
        for (const call of sequence) {
          const result = backend.api(fd!, call.api, call.features);
          if (result.isOk()) {
            expect(initialised).toBe(false);
            expect(result.value.api).toBe(UFFD_API);
            initialised = true;
            enabled = backend.enabledFeatures(fd!)._unsafeUnwrap();
            continue;
          }
          const { errno, reply } = result.error;
          if (initialised) {
            const late = initialisedCheckedLast(options.kernel);
            // From 5.15 the other checks come first and may refuse with their own errno.
            expect(late ? ["EINVAL", "EPERM"] : ["EINVAL"]).toContain(errno);
            expect(reply).toEqual(late ? ZERO : { api: call.api, features: call.features, ioctls: 0n });
            expect(backend.enabledFeatures(fd!)._unsafeUnwrap()).toBe(enabled);
          } else {
            expect(["EINVAL", "EPERM"]).toContain(errno);
            expect(reply).toEqual(ZERO);
            expect(backend.enabledFeatures(fd!)._unsafeUnwrap()).toBe(0n);
          }
        }
        // Still uninitialised after failures only: the probe succeeds on the same fd.
        if (!initialised) expect(backend.api(fd!, UFFD_API, 0n).isOk()).toBe(true);
        backend.close(fd!);
        expect(backend.openFds()).toEqual([]);
      }),
    );
  });

  it("returns the same supported set and ioctls whatever was requested, and enables the request plus implied bits within it", () => {
    fc.assert(
      fc.property(environments, features, (options, request) => {
        const backend = mockBackend(options);
        const probeFd = openAny(backend);
        fc.pre(probeFd !== undefined);
        const probed = backend.api(probeFd!, UFFD_API, 0n)._unsafeUnwrap();
        backend.close(probeFd!);
        const fd = openAny(backend)!;
        const reply = backend.api(fd, UFFD_API, request);
        const enabled = backend.enabledFeatures(fd)._unsafeUnwrap();
        backend.close(fd);
        if (reply.isErr()) return;
        expect(reply.value).toEqual(probed);
        expect(reply.value.ioctls).toBe(0x8000000000000003n);
        expect(enabled & BIT_31).toBe(0n);
        // Implied bits come from accepted ones: a dropped WP_ASYNC brings no WP_UNPOPULATED.
        expect(enabled & probed.features).toBe(withImplied(request & probed.features) & probed.features);
      }),
    );
  });

  it("never grants EVENT_FORK without CAP_SYS_PTRACE from 5.5 on", () => {
    const recent = environments.filter(({ kernel }) => {
      const [major = 0, minor = 0] = kernel.split(".").map(Number);
      return major > 5 || (major === 5 && minor >= 5);
    });
    fc.assert(
      fc.property(recent, features, (options, request) => {
        const backend = mockBackend({ ...options, capSysPtrace: false });
        const fd = openAny(backend);
        fc.pre(fd !== undefined);
        const reply = backend.api(fd!, UFFD_API, request | EVENT_FORK);
        const enabled = backend.enabledFeatures(fd!)._unsafeUnwrap();
        backend.close(fd!);
        expect(reply.isErr()).toBe(true);
        expect(enabled & EVENT_FORK).toBe(0n);
      }),
    );
  });
});

describe("fd bookkeeping", () => {
  const operations = fc.array(
    fc.oneof(
      fc.record({ op: fc.constant("open" as const), mode: fc.constantFrom<OpenMode>(...OPEN_MODES) }),
      fc.record({ op: fc.constant("close" as const), pick: fc.nat(8) }),
    ),
    { maxLength: 30 },
  );

  it("holds exactly the fds opened and not yet closed, never more than the limit, and counts every call", () => {
    fc.assert(
      fc.property(environments, fc.integer({ min: 0, max: 5 }), operations, (options, fdLimit, sequence) => {
        const backend = mockBackend({ ...options, fdLimit });
        const held = new Set<number>();
        let opens = 0;
        let closes = 0;
        for (const step of sequence) {
          if (step.op === "open") {
            opens++;
            const opened = backend.open({ mode: step.mode, ...FRESH });
            if (opened.isOk()) {
              expect(held.has(opened.value)).toBe(false);
              held.add(opened.value);
            }
          } else {
            closes++;
            const fd = [...held][step.pick % Math.max(held.size, 1)] ?? 99;
            expect(backend.close(fd).isOk()).toBe(held.delete(fd));
          }
          expect(backend.openFds()).toEqual([...held].sort((a, b) => a - b));
          expect(held.size).toBeLessThanOrEqual(fdLimit);
        }
        expect(backend.counts).toEqual({ open: opens, api: 0, close: closes });
      }),
    );
  });
});

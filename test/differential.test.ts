import { release } from "node:os";
import { type Backend, catalogue, FeatureSet, type HostProfile, UFFD_API } from "@negotiate/core";
import { linuxBackend } from "@negotiate/linux";
import { type MockOptions, mockBackend } from "@negotiate/mock";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toJson } from "../packages/linux/test/support/bigint-json.js";
import { runFixture } from "../packages/linux/test/support/child.js";
import { type RequestScript, runScripts, type ScriptOutcome } from "./support/differential-script.js";

const U64_MAX = (1n << 64n) - 1n;
const bitAt = (bit: number): bigint => 1n << BigInt(bit);
const or = (masks: readonly bigint[]): bigint => masks.reduce((all, mask) => all | mask, 0n);

const knownBits = fc.subarray(catalogue.map((entry) => bitAt(entry.bit))).map(or);
const specialBits = fc
  .subarray([FeatureSet.of("EVENT_FORK").mask, FeatureSet.of("WP_ASYNC").mask, bitAt(63), bitAt(31)], {
    minLength: 1,
  })
  .map(or);
const features = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0n) },
  { weight: 5, arbitrary: knownBits },
  { weight: 5, arbitrary: fc.tuple(knownBits, specialBits).map(([known, special]) => known | special) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(knownBits, fc.integer({ min: 17, max: 63 }))
      .map(([known, bit]) => known | bitAt(bit)),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }) },
);
const api = fc.oneof(
  { weight: 12, arbitrary: fc.constant(UFFD_API) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }) },
);
const script: fc.Arbitrary<RequestScript> = fc.record({
  mode: fc.oneof(
    { weight: 2, arbitrary: fc.constant("user-mode-only" as const) },
    { weight: 1, arbitrary: fc.constantFrom("syscall" as const, "device" as const) },
  ),
  closeOnExec: fc.boolean(),
  nonBlocking: fc.boolean(),
  calls: fc.array(fc.record({ api, features }), { minLength: 1, maxLength: 3 }),
});

const SCRIPTS = fc.sample(script, { seed: 20_251_125, numRuns: 2_500 });

/** Requests that reached `UFFDIO_API`, and every script whose outcome differs between the kernel and the mock. */
function compare(mock: Backend, real: readonly ScriptOutcome[]) {
  const replayed = runScripts(mock, SCRIPTS);
  const requests = real.reduce((sum, outcome) => sum + ("calls" in outcome ? outcome.calls.length : 0), 0);
  const mismatches = SCRIPTS.flatMap((request, index) =>
    toJson(real[index]) === toJson(replayed[index])
      ? []
      : [{ request: toJson(request), kernel: toJson(real[index]), mock: toJson(replayed[index]) }],
  );
  return { requests, mismatches };
}

// The mock built from options for this release (its model, not a capture): its default caller is uid≠0
// without CAP_SYS_PTRACE; root is `capSysPtrace: true`. Every other option stays at the release's default.
const modelled = (root: boolean) =>
  mockBackend({ kernel: release() as MockOptions["kernel"], arch: "x86_64", capSysPtrace: root });

// The mock, replaying this host's capture or modelling its release, must answer every request exactly as the
// kernel did.
describe("differential: the real kernel against the mock", () => {
  const backend = linuxBackend()._unsafeUnwrap();
  const asRoot = runScripts(backend, SCRIPTS);
  const child = runFixture<{ profile: HostProfile; outcomes: ScriptOutcome[] }>(
    new URL("./fixtures/differential-child.ts", import.meta.url),
    { unprivileged: true, input: toJson(SCRIPTS) },
  );

  it("as root, replaying the capture", () => {
    const { requests, mismatches } = compare(
      mockBackend.fromCapture(backend.capture()._unsafeUnwrap()),
      asRoot,
    );
    expect(requests).toBeGreaterThanOrEqual(2_000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("as root, modelling this release", () => {
    const { requests, mismatches } = compare(modelled(true), asRoot);
    expect(requests).toBeGreaterThanOrEqual(2_000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("as uid 65534 without capabilities, replaying the capture", () => {
    expect(child.profile.privileges).toMatchObject({ uid: 65534, capSysPtrace: false });
    const { requests, mismatches } = compare(mockBackend.fromCapture(child.profile), child.outcomes);
    expect(requests).toBeGreaterThanOrEqual(2_000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("as uid 65534 without capabilities, modelling this release with the mock's default caller", () => {
    const { requests, mismatches } = compare(modelled(false), child.outcomes);
    expect(requests).toBeGreaterThanOrEqual(2_000);
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

import type { CapturedLandlock, HostProfile } from "@negotiate/core";
import { captureLandlock } from "@negotiate/core/landlock";
import { landlockBackend } from "@negotiate/linux";
import {
  LANDLOCK_ARCHES,
  LANDLOCK_MOCK_SCENARIOS,
  type LandlockMockScenarioName,
  landlockMockBackend,
  landlockMockFromCapture,
  landlockMockScenario,
  type MockLandlockPort,
} from "@negotiate/mock";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toJson } from "../packages/linux/test/support/bigint-json.js";
import { runFixture } from "../packages/linux/test/support/child.js";
import {
  ENVIRONMENT_KINDS,
  type EnvironmentKind,
  type FdRef,
  type LandlockOp,
  type OpOutcome,
  runLandlockScripts,
} from "./support/landlock-script.js";

const bitAt = (bit: number): bigint => 1n << BigInt(bit);
const or = (masks: readonly bigint[]): bigint => masks.reduce((all, mask) => all | mask, 0n);
const bits = (positions: readonly number[]) => fc.subarray(positions.map(bitAt)).map(or);
const sometimes = <T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: rare });

// Rights the host knows, and bits around them it does not (fs 16-17, net 2-3, scope 2, high bits).
const fsMask = sometimes(bits([0, 1, 2, 3, 4, 5, 8, 13, 14, 15]), bits([2, 3, 16, 17, 40, 63]));
const netMask = sometimes(bits([0, 1]), bits([0, 2, 3, 63]));
const scopeMask = sometimes(bits([0, 1]), bits([1, 2, 31]));
const quiet = sometimes(fc.constant(0n), bits([0, 2, 3]));
const size = sometimes(
  fc.constant(48),
  fc.constantFrom(0, 7, 8, 12, 16, 20, 24, 32, 47, 4096, 4097, 65_536, 65_537),
);
const fdRef: fc.Arbitrary<FdRef> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 2 }).map((ruleset) => ({ ruleset })) },
  { weight: 2, arbitrary: fc.constantFrom(...ENVIRONMENT_KINDS).map((file) => ({ file })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("closed" as const, "minus-one" as const).map((number) => ({ number })),
  },
);
const parentRef: fc.Arbitrary<FdRef> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ENVIRONMENT_KINDS).map((file) => ({ file })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((ruleset) => ({ ruleset })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("closed" as const, "minus-one" as const).map((number) => ({ number })),
  },
);
const ruleFlags = sometimes(fc.constant(0n), fc.constantFrom(1n, 2n, bitAt(31), bitAt(32)));
const restrictFlags = fc.constantFrom(0n, 0n, 0n, 1n, 2n, 4n, 7n, 8n, 16n, bitAt(31), bitAt(32));

const op: fc.Arbitrary<LandlockOp> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom({ op: "version" as const }, { op: "errata" as const }) },
  {
    weight: 8,
    arbitrary: fc
      .record({ fs: fsMask, net: netMask, scope: scopeMask, quiet, size })
      .map(({ fs, net, scope, quiet, size }) => ({
        op: "create" as const,
        attr: { handledAccessFs: fs, handledAccessNet: net, scoped: scope, quietAccessFs: quiet },
        size,
      })),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({ ruleset: fdRef, allowed: fsMask, parent: parentRef, flags: ruleFlags })
      .map((fields) => ({ op: "add-path" as const, ...fields })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        ruleset: fdRef,
        allowed: netMask,
        port: sometimes(
          fc.constantFrom(0n, 80n, 8080n, 65_535n),
          fc.constantFrom(65_536n, bitAt(32), bitAt(63)),
        ),
        flags: ruleFlags,
      })
      .map((fields) => ({ op: "add-port" as const, ...fields })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        ruleset: sometimes(fc.constant({ ruleset: 0 }), fdRef),
        flags: sometimes(fc.constantFrom(0n, 1n, 2n, 7n), restrictFlags),
      })
      .map((fields) => ({ op: "restrict" as const, ...fields })),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 2 }).map((ruleset) => ({ op: "close" as const, ruleset })),
  },
);
// no_new_privs comes halfway, so that unprivileged restricts meet EPERM first and the layer limit later.
const SCRIPTS = fc.sample(fc.array(op, { minLength: 1, maxLength: 6 }), { seed: 20_261_201, numRuns: 600 });
const withNoNewPrivs = [...SCRIPTS.slice(0, 300), [{ op: "no-new-privs" as const }], ...SCRIPTS.slice(300)];
const REQUESTS = withNoNewPrivs.reduce((sum, script) => sum + script.length, 0);

interface ChildReport {
  readonly uid: number;
  readonly landlock: CapturedLandlock;
  readonly outcomes: OpOutcome[][];
  readonly lowestFreeFd: { readonly before: number; readonly after: number };
}

function mockOutcomes(port: MockLandlockPort): OpOutcome[][] {
  const environment = Object.fromEntries(
    ENVIRONMENT_KINDS.map((kind) => [kind, port.openFile(kind)._unsafeUnwrap()]),
  ) as Record<EnvironmentKind, number>;
  return runLandlockScripts(port, environment, withNoNewPrivs);
}

function compare(report: ChildReport, port: MockLandlockPort) {
  const mock = mockOutcomes(port);
  const mismatches = withNoNewPrivs.flatMap((script, index) =>
    toJson(report.outcomes[index]) === toJson(mock[index])
      ? []
      : [
          {
            index,
            script: toJson(script),
            kernel: toJson(report.outcomes[index]),
            mock: toJson(mock[index]),
          },
        ],
  );
  const restricts = withNoNewPrivs.flatMap((script, index) =>
    script.flatMap((step, at) => (step.op === "restrict" ? [report.outcomes[index]?.[at]] : [])),
  );
  return { mismatches, outcomes: report.outcomes.flat(), restricts };
}

const abi = landlockBackend().andThen((port) => port.abiVersion());

// A version 2 profile around a child's Landlock capture (the userfaultfd fields are not replayed here).
const profileOf = (report: ChildReport): HostProfile => ({
  format: "negotiate-host-profile",
  version: 2,
  capturedAt: new Date(0).toISOString(),
  kernel: { release: "6.18.44", arch: "x86_64" },
  privileges: { uid: report.uid, capSysPtrace: report.uid === 0 },
  api: { supported: 0n, ioctls: 0n },
  openModes: { syscall: "ok", device: "ok", "user-mode-only": "ok" },
  eventFork: "ok",
  landlock: report.landlock,
});

// Capture and replay: a mock built from a capture of a simulated environment answers as that environment.
describe("capture/replay of the mock Landlock environments", () => {
  it.each(Object.keys(LANDLOCK_MOCK_SCENARIOS) as LandlockMockScenarioName[])("%s", (name) => {
    const { options } = LANDLOCK_MOCK_SCENARIOS[name];
    const original = landlockMockScenario(name);
    const landlock = captureLandlock({
      port: landlockMockScenario(name),
      capSysAdmin: "capSysAdmin" in options && options.capSysAdmin === true,
      noNewPrivs: false,
    })._unsafeUnwrap();
    const replayed = landlockMockFromCapture({
      ...profileOf({ uid: 0, landlock, outcomes: [], lowestFreeFd: { before: 3, after: 3 } }),
      kernel: { release: options.kernel, arch: "x86_64" },
    })._unsafeUnwrap();
    const expected = mockOutcomes(original);
    const mismatches = mockOutcomes(replayed).flatMap((outcomes, index) =>
      toJson(outcomes) === toJson(expected[index])
        ? []
        : [{ script: toJson(withNoNewPrivs[index]), outcomes, expected: expected[index] }],
    );
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});

describe("Landlock syscall numbers", () => {
  it("are the Linux port's where Node runs, on the mock's architectures", async () => {
    const { landlockSyscalls } = await import("../packages/linux/src/landlock/landlock-arch.js");
    for (const [nodeArch, arch] of [
      ["x64", "x86_64"],
      ["arm64", "arm64"],
      ["s390x", "s390x"],
      ["riscv64", "riscv64"],
      ["mipsel", "mips-o32"],
      ["mips64el", "mips-n64"],
    ] as const)
      expect(landlockSyscalls(nodeArch)).toEqual(LANDLOCK_ARCHES[arch].syscalls);
  });
});

// The mock configured as this host must answer every request exactly as the kernel does. The kernel side runs
// in children: the scripts restrict the process that runs them.
describe.runIf(abi.isOk() && abi.value === 7)(
  "differential: Landlock on this kernel against the mock (6.18)",
  () => {
    it.each([
      ["root", false],
      ["uid 65534 without capabilities", true],
    ] as const)("as %s", (_name, unprivileged) => {
      const report = runFixture<ChildReport>(
        new URL("./fixtures/landlock-differential-child.ts", import.meta.url),
        {
          unprivileged,
          input: toJson(withNoNewPrivs),
        },
      );
      expect(report.uid).toBe(unprivileged ? 65534 : 0);
      expect(REQUESTS).toBeGreaterThanOrEqual(1_000);
      // This host: 6.18, ABI 7, errata 7.
      const configured = landlockMockBackend({ kernel: "6.18.44", capSysAdmin: !unprivileged });
      const { mismatches, outcomes, restricts } = compare(report, configured);
      expect(mismatches.slice(0, 5)).toEqual([]);
      // The mock built from the child's own capture answers the same.
      const replayed = landlockMockFromCapture(profileOf(report))._unsafeUnwrap();
      expect(report.landlock).toMatchObject({ version: { value: 7 }, capSysAdmin: !unprivileged });
      expect(compare(report, replayed).mismatches.slice(0, 5)).toEqual([]);
      // The requests reach every kind of answer, restriction and its limit included.
      for (const answer of ["ok", "EINVAL", "E2BIG", "ENOMSG", "EBADF", "EBADFD"])
        expect(outcomes).toContain(answer);
      // Restricted 16 times, then refused the 17th layer; unprivileged, EPERM until no_new_privs.
      expect(restricts.filter((outcome) => outcome === "ok").length).toBeGreaterThanOrEqual(16);
      expect(restricts).toContain("E2BIG");
      expect(restricts.includes("EPERM")).toBe(unprivileged);
      expect(report.lowestFreeFd.after).toBe(report.lowestFreeFd.before);
    });
  },
);

/**
 * Negotiations per second against the mock backend, per strategy, each against the bare port calls that it
 * makes once warm (verify reads the enabled set once per distinct request, so a warm verified negotiation
 * makes no such call). Goal: 1,000,000/s for `auto` with a known supported set, on one core, on the median.
 * Run: node --conditions=@negotiate/source --import tsx bench/mock-negotiation.bench.ts
 */
import { FeatureSet } from "@negotiate/core";
import { mockBackend } from "@negotiate/mock";
import {
  nsPerOp,
  portNegotiation,
  portProbe,
  REQUEST,
  sdkNegotiation,
  sdkSource,
} from "./support/negotiation.js";
import { median, pairedRatios, range, withRange } from "./support/paired.js";

const ROUNDS = 9;
const ROUND_MS = 100;
const GOAL = 1_000_000;
// Calls between two clock reads: a negotiation here takes a few hundred ns.
const BATCH = 256;

const backend = mockBackend({ kernel: "6.18.0", arch: "x86_64", capSysPtrace: true });

const timed = (run: () => void): number => nsPerOp(run, ROUND_MS, BATCH);

const PORT = "port: open + API + close";
const PORT_PROBE = "port: probe's calls";
const variants: readonly { readonly name: string; readonly baseline?: string; readonly run: () => void }[] = [
  { name: PORT, run: portNegotiation(backend, false) },
  { name: "port: … + enabled-set read", baseline: PORT, run: portNegotiation(backend, true) },
  { name: PORT_PROBE, baseline: PORT, run: portProbe(backend) },
  { name: "SDK probe", baseline: PORT_PROBE, run: sdkNegotiation(backend, "probe", true) },
  { name: "SDK one-shot", baseline: PORT, run: sdkNegotiation(backend, "one-shot", true) },
  { name: "SDK auto, known", baseline: PORT, run: sdkNegotiation(backend, "auto", true) },
  { name: "SDK auto, known, verify off", baseline: PORT, run: sdkNegotiation(backend, "auto", false) },
];

// Rounds alternate the order (forward, then backward) so that drift (CPU frequency, GC, other processes)
// falls on every variant alike; each ratio is paired with its baseline's round.
for (const { run } of variants) timed(run); // warm-up: every variant compiled before any is timed
const samples = new Map(variants.map(({ name }) => [name, [] as number[]]));
for (let round = 0; round < ROUNDS; round++) {
  for (const { name, run } of round % 2 ? [...variants].reverse() : variants)
    samples.get(name)!.push(timed(run));
}
if (backend.openFds().length !== 0) throw new Error(`fds leaked: ${backend.openFds().join(", ")}`);

console.log(
  `mock ${backend.info.kernelRelease} ${backend.info.arch}, node ${process.version}; request ${FeatureSet.fromMask(REQUEST)._unsafeUnwrap()}; ${ROUNDS} alternated rounds of ${ROUND_MS} ms: medians (range); SDK rows verify unless they say otherwise; SDK from ${sdkSource}`,
);
console.log(
  `${"variant".padEnd(30)}${"baseline".padEnd(26)}${"negotiations/s (range)".padStart(30)}${"× baseline (range)".padStart(22)}${"goal".padStart(20)}`,
);
for (const { name, baseline } of variants) {
  const perSecond = samples.get(name)!.map((ns) => 1e9 / ns);
  const ratios = baseline ? pairedRatios(samples.get(name)!, samples.get(baseline)!) : undefined;
  const goal =
    name === "SDK auto, known"
      ? `${median(perSecond) >= GOAL ? "met" : "MISSED"} (≥ ${GOAL.toLocaleString("en")}/s)`
      : "";
  const rate = `${Math.round(median(perSecond)).toLocaleString("en")} (${range(
    perSecond.map((n) => n / 1e6),
    2,
  )} M)`;
  console.log(
    `${name.padEnd(30)}${(baseline ?? "").padEnd(26)}${rate.padStart(30)}${(ratios ? withRange(ratios, 2) : "").padStart(22)}${goal.padStart(20)}`,
  );
}

/**
 * Negotiations per second against the mock backend, per strategy, against the bare port calls that one
 * negotiation needs (open + UFFDIO_API + fdinfo + close, no SDK). Goal: 1,000,000/s for `auto` with a known
 * supported set, on one core.
 * Run: node --conditions=@negotiate/source --import tsx bench/mock-negotiation.bench.ts
 */
import {
  FeatureSet,
  Knowledge,
  negotiate,
  POLICY_DEFAULTS,
  type Policy,
  type StrategyName,
} from "@negotiate/core";
import { mockBackend } from "@negotiate/mock";

const ROUNDS = 7;
const ROUND_MS = 150;
const GOAL = 1_000_000;
const REQUIRED = FeatureSet.of("MOVE");
const OPTIONAL = FeatureSet.of("WP_ASYNC", "THREAD_ID");
const REQUEST = REQUIRED.union(OPTIONAL).mask;
const EXPECTED = FeatureSet.of("MOVE", "WP_ASYNC", "WP_UNPOPULATED", "THREAD_ID").mask;
const OPEN = { mode: "syscall", closeOnExec: true, nonBlocking: true } as const;

const backend = mockBackend({ kernel: "6.18.0", arch: "x86_64", capSysPtrace: true });
const sdkSource = import.meta.resolve("@negotiate/core").includes("/src/") ? "src (tsx)" : "dist";

// What one known-supported negotiation asks of the port, with nothing around it.
function portCalls(verify: boolean): () => void {
  return () => {
    const fd = backend.open(OPEN)._unsafeUnwrap();
    backend.api(fd, 0xaan, REQUEST)._unsafeUnwrap();
    if (verify) backend.enabledFeatures(fd)._unsafeUnwrap();
    backend.close(fd);
  };
}

function sdk(strategy: StrategyName, verify: boolean): () => void {
  const policy = {
    ...POLICY_DEFAULTS,
    strategy,
    verify,
    open: "syscall",
    required: REQUIRED,
    optional: OPTIONAL,
    forbidden: FeatureSet.EMPTY,
    oneOf: [],
  } as Policy;
  const knowledge = new Knowledge();
  const once = () => {
    const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    if (session.enabledSet.mask !== EXPECTED) throw new Error(`unexpected enabled set ${session.enabledSet}`);
    session.close();
  };
  once(); // `auto` learns the supported set here.
  return once;
}

function nsPerOp(run: () => void): number {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS * 1e6);
  let now = start;
  let done = 0;
  while (now < deadline) {
    for (let i = 0; i < 256; i++) run();
    done += 256;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / done;
}

const variants: readonly (readonly [string, () => void])[] = [
  ["port calls (baseline)", portCalls(false)],
  ["port calls + fdinfo (baseline)", portCalls(true)],
  ["SDK probe (verify)", sdk("probe", true)],
  ["SDK one-shot (verify)", sdk("one-shot", true)],
  ["SDK auto, known (verify)", sdk("auto", true)],
  ["SDK auto, known (no verify)", sdk("auto", false)],
];

// Rounds are interleaved so that drift (CPU frequency, GC) spreads over every variant; the best round is
// the one least disturbed by other processes.
for (const [, run] of variants) nsPerOp(run); // warm-up: every variant compiled before any is timed
const samples = new Map(variants.map(([name]) => [name, [] as number[]]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of variants) samples.get(name)!.push(nsPerOp(run));
}
const ns = new Map([...samples].map(([name, values]) => [name, Math.min(...values)]));
if (backend.openFds().length !== 0) throw new Error(`fds leaked: ${backend.openFds().join(", ")}`);

console.log(
  `mock ${backend.info.kernelRelease} ${backend.info.arch}, node ${process.version}; request ${FeatureSet.fromMask(REQUEST)._unsafeUnwrap()}; best of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms; SDK from ${sdkSource}`,
);
const baseline = ns.get("port calls + fdinfo (baseline)")!;
console.log(
  `${"variant".padEnd(32)}${"negotiations/s".padStart(16)}${"ns each".padStart(10)}${"× baseline".padStart(12)}${"goal".padStart(8)}`,
);
for (const [name, value] of ns) {
  const perSecond = 1e9 / value;
  const goal = name.startsWith("SDK auto, known (verify)") ? (perSecond >= GOAL ? "met" : "missed") : "";
  console.log(
    `${name.padEnd(32)}${Math.round(perSecond).toLocaleString("en").padStart(16)}${value.toFixed(0).padStart(10)}${(value / baseline).toFixed(2).padStart(12)}${goal.padStart(8)}`,
  );
}

/**
 * What one negotiation costs on this machine, against a bare koffi loop making the same syscalls (and C, for
 * scale). Every SDK row names its baseline: the loop doing exactly the calls that row does once warm (verify
 * reads fdinfo once per distinct request, so a warm verified negotiation makes no fdinfo read). Closing a uffd
 * walks every mapping of the process, so each variant is measured at 0, 100, 1,000 and 10,000 extra mappings.
 * Goals (paired medians in processes of their own): `auto` ≤ 1.10× the koffi loop at +0, ≤ 1.02× at +10,000.
 * Run: node --conditions=@negotiate/source --import tsx bench/linux-negotiation.bench.ts [--quick]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FeatureSet } from "@negotiate/core";
import { linuxBackend } from "@negotiate/linux";
import { nsPerOp, portNegotiation, REQUEST, sdkNegotiation, sdkSource } from "./support/negotiation.js";
import { median, pairedRatios, range, verdict, withRange } from "./support/paired.js";

// `--quick` (while developing): fewer and shorter rounds, fewer processes; the goals are still printed.
const QUICK = process.argv.includes("--quick");
const ROUNDS = QUICK ? 3 : 9;
const ROUND_MS = QUICK ? 30 : 60;
// Calls between two clock reads: a negotiation here takes µs.
const BATCH = 16;
const EXTRA_MAPPINGS = [0, 100, 1_000, 10_000] as const;
// The goals, per number of extra mappings: auto against the koffi loop.
const GOALS = new Map<number, number>([
  [0, 1.1],
  [10_000, 1.02],
]);

// --- The bare koffi loops: their own bindings, no SDK code. ---------------------------------------------
const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
const libc = koffi.load("libc.so.6");
const syscall = libc.func("long syscall(long nr, long flags)");
const ioctl = libc.func("int ioctl(int fd, unsigned long request, void *arg)");
const open = libc.func("int open(const void *path, int flags)");
const read = libc.func("long read(int fd, void *buffer, unsigned long count)");
const close = libc.func("int close(int fd)");
const mmap = libc.func(
  "void *mmap(void *addr, unsigned long length, int prot, int flags, int fd, long offset)",
);
const SYS_USERFAULTFD = 323;
const UFFDIO_API = 0xc018aa3f;
const O_CLOEXEC_NONBLOCK = 0o2004000;
const words = new BigUint64Array(3);
const struct = new Uint8Array(words.buffer);
const path = new Uint8Array(64);
const text = new Uint8Array(4096);
const PREFIX = Buffer.from("/proc/self/fdinfo/", "latin1");
path.set(PREFIX);

// userfaultfd + UFFDIO_API(features), the reply checked [+ an fdinfo read] + close.
function bareCalls(features: bigint, fdinfo: boolean): void {
  const fd = syscall(SYS_USERFAULTFD, O_CLOEXEC_NONBLOCK) as number;
  words[0] = 0xaan;
  words[1] = features;
  words[2] = 0n;
  if (ioctl(fd, UFFDIO_API, struct) !== 0) throw new Error(`UFFDIO_API failed: errno ${koffi.errno()}`);
  // Checked as each SDK negotiation checks its session: what was asked for is there.
  if ((words[1]! & features) !== features) throw new Error(`UFFDIO_API lacks 0x${features.toString(16)}`);
  if (fdinfo) {
    const digits = String(fd);
    for (let i = 0; i < digits.length; i++) path[PREFIX.length + i] = digits.charCodeAt(i);
    path[PREFIX.length + digits.length] = 0;
    const info = open(path, 0o2000000) as number;
    read(info, text, text.length);
    close(info);
  }
  close(fd);
}
/** What a warm `auto` or `one-shot` negotiation asks of the kernel. */
const bareNegotiation = () => bareCalls(REQUEST, false);
/** What a `probe` negotiation asks: a probe on a temporary fd, then the request on a new one. */
const bareProbe = () => {
  bareCalls(0n, false);
  bareCalls(REQUEST, false);
};

// --- The SDK. ----------------------------------------------------------------------------------------------
const backend = linuxBackend()._unsafeUnwrap();
// --- Mappings. ---------------------------------------------------------------------------------------------
const mappingCount = (): number => readFileSync("/proc/self/maps", "latin1").split("\n").length - 1;
let added = 0;
function addMappings(target: number): void {
  // Alternating protections keep neighbouring 1-page mappings from merging.
  const base = mappingCount() - added;
  while (mappingCount() < base + target) {
    for (let missing = base + target - mappingCount(); missing > 0; missing--, added++) {
      mmap(null, 4096, added % 2 ? 0x1 : 0x3, 0x22, -1, 0);
    }
  }
}

// Paired samples: each iteration times the bare loop and the SDK once, in alternating order, so that drift, GC and
// other processes fall on both alike; the ratio of the medians is the steadiest comparison on a busy machine. Each
// SDK call is timed right after a bare one or right before: no SDK call warms the caches for the next.
function pairedSamples(
  sdk: () => void,
  bare: () => void,
  pairs: number,
  into: { sdk: number[]; bare: number[] },
) {
  const time = (run: () => void): number => {
    const start = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - start);
  };
  for (let i = 0; i < pairs; i++) {
    if (i % 2) {
      into.sdk.push(time(sdk));
      into.bare.push(time(bare));
    } else {
      into.bare.push(time(bare));
      into.sdk.push(time(sdk));
    }
  }
}

// --- The goal, measured in a process of its own: only the bare loop and `auto` run there, as in an app (the
// other strategies would make the shared code paths polymorphic). ------------------------------------------
if (process.argv[2] === "--paired") {
  addMappings(Number(process.argv[3]));
  const variants = [sdkNegotiation(backend, "auto", true), sdkNegotiation(backend, "auto", false)];
  // About one second of pairs per variant at this size, in four blocks: verify on, off, on, off (neither is
  // always timed first, when the process is youngest).
  const pairs = Math.max(
    200,
    Math.round(1e9 / (2 * nsPerOp(bareNegotiation, 100, BATCH))) >> (QUICK ? 2 : 0),
  );
  const samples = variants.map(() => ({ sdk: [] as number[], bare: [] as number[] }));
  // Warm-up, untimed: as many pairs again, so that the timed ones all run optimised code (at +10,000 mappings a
  // second holds ~4,000 pairs, and the first few hundred of them would still be compiling).
  for (const sdk of variants) pairedSamples(sdk, bareNegotiation, pairs, { sdk: [], bare: [] });
  for (let block = 0; block < 4; block++)
    pairedSamples(variants[block % 2]!, bareNegotiation, pairs >> 1, samples[block % 2]!);
  const [verify, noVerify] = samples.map(({ sdk, bare }) => median(sdk) / median(bare));
  console.log(JSON.stringify({ verify, noVerify, pairs }));
  process.exit(0);
}

interface PairedRatios {
  readonly verify: number;
  readonly noVerify: number;
  readonly pairs: number;
}

function pairedInOwnProcess(extra: number): PairedRatios {
  const out = execFileSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      "--paired",
      String(extra),
      ...(QUICK ? ["--quick"] : []),
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

// One process's median still moves by a few per cent with what else the machine does: the goal is judged on the
// median of several processes, and their range is shown.
const PAIRED_PROCESSES = QUICK ? 3 : 5;

// --- The C program, compiled now; at the same number of mappings as this process. -------------------------
const cDir = mkdtempSync(join(tmpdir(), "uffd-bench-"));
process.on("exit", () => rmSync(cDir, { recursive: true, force: true }));
const cProgram = join(cDir, "uffd-negotiate");
const cSkipped = compileC();

function compileC(): string | undefined {
  const source = new URL("c/uffd-negotiate.c", import.meta.url).pathname;
  try {
    execFileSync("cc", ["-O2", "-o", cProgram, source], { stdio: ["ignore", "ignore", "pipe"] });
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "no C compiler (cc)" : String(error);
  }
}

function cNegotiation(mappings: number, verify: boolean): number {
  const out = execFileSync(
    cProgram,
    [`0x${REQUEST.toString(16)}`, String(mappings), String(ROUND_MS), verify ? "1" : "0"],
    { encoding: "utf8" },
  );
  return Number(out.split(" ")[0]);
}

interface Variant {
  readonly name: string;
  /** The variant this one is compared to: the same syscalls without the SDK. */
  readonly baseline?: string;
  readonly run: (mappings: number) => number;
}

const timed = (run: () => void) => () => nsPerOp(run, ROUND_MS, BATCH);
const KOFFI = "koffi: uffd + API + close";
const KOFFI_PROBE = "koffi: probe's calls";
const C = "C: uffd + API + close";
const variants: Variant[] = [
  ...(cSkipped
    ? []
    : [
        { name: C, run: (m: number) => cNegotiation(m, false) },
        { name: "C: … + fdinfo read", baseline: C, run: (m: number) => cNegotiation(m, true) },
      ]),
  { name: KOFFI, run: timed(bareNegotiation) },
  { name: "koffi: … + fdinfo read", baseline: KOFFI, run: timed(() => bareCalls(REQUEST, true)) },
  { name: KOFFI_PROBE, baseline: KOFFI, run: timed(bareProbe) },
  { name: "LinuxBackend port calls", baseline: KOFFI, run: timed(portNegotiation(backend, false)) },
  { name: "SDK probe", baseline: KOFFI_PROBE, run: timed(sdkNegotiation(backend, "probe", true)) },
  { name: "SDK one-shot", baseline: KOFFI, run: timed(sdkNegotiation(backend, "one-shot", true)) },
  { name: "SDK auto, known", baseline: KOFFI, run: timed(sdkNegotiation(backend, "auto", true)) },
  {
    name: "SDK auto, known, verify off",
    baseline: KOFFI,
    run: timed(sdkNegotiation(backend, "auto", false)),
  },
];

if (cSkipped) console.log(`C baseline skipped: ${cSkipped}`);
console.log(
  `Linux ${backend.info.kernelRelease} ${backend.info.arch}, node ${process.version}; request ${FeatureSet.fromMask(REQUEST)._unsafeUnwrap()}; SDK from ${sdkSource}`,
);
console.log(
  `Table: ${ROUNDS} rounds of ${ROUND_MS} ms per variant, alternated (forward, then backward); ns: median (range) of the rounds; ` +
    "× baseline: median (range) of the per-round ratios to the row's baseline. SDK rows verify (the default) unless " +
    "they say otherwise: warm, that reads no fdinfo (once per distinct request); koffi: probe's calls = uffd + API(0) + " +
    "close, then uffd + API + close.",
);
const summary: string[] = [];
for (const extra of EXTRA_MAPPINGS) {
  addMappings(extra);
  const mappings = mappingCount();
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...variants].reverse() : variants;
    for (const variant of order) samples.get(variant.name)!.push(variant.run(mappings));
  }
  console.log(`\n${extra} extra mappings (${mappings} in /proc/self/maps)`);
  console.log(
    `${"variant".padEnd(30)}${"baseline".padEnd(27)}${"ns (range)".padStart(22)}${"× baseline (range)".padStart(24)}`,
  );
  for (const variant of variants) {
    const values = samples.get(variant.name)!;
    const ratios = variant.baseline ? pairedRatios(values, samples.get(variant.baseline)!) : undefined;
    console.log(
      `${variant.name.padEnd(30)}${(variant.baseline ?? "").padEnd(27)}${withRange(values, 0).padStart(22)}${(ratios ? withRange(ratios, 2) : "").padStart(24)}`,
    );
  }
  const runs = Array.from({ length: PAIRED_PROCESSES }, () => pairedInOwnProcess(extra));
  const verify = runs.map((run) => run.verify);
  const noVerify = runs.map((run) => run.noVerify);
  const goal = GOALS.get(extra);
  const judged =
    goal === undefined ? "no goal" : `goal ${verdict(Math.max(median(verify), median(noVerify)), goal)}`;
  summary.push(
    `${String(extra).padStart(6)} extra: auto / koffi loop = ${median(verify).toFixed(3)} (${range(verify, 3)}) verify on, ` +
      `${median(noVerify).toFixed(3)} (${range(noVerify, 3)}) verify off; ${judged}`,
  );
}
console.log(
  `\nGoals: auto against the koffi loop (uffd + API + close), each the median of ${PAIRED_PROCESSES} processes of their own ` +
    "(range across them), each process the ratio of the medians of ~1 s of paired, alternated iterations per variant (in blocks: verify on, off, on, off), after as many untimed:",
);
console.log(summary.join("\n"));

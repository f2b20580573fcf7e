/**
 * What a Landlock negotiation costs over a bare koffi loop making its calls: `auto` with the ABI known (one
 * `create_ruleset` of the full 48-byte struct handling every fs/net/scope right of this kernel's ABI, then
 * `close`), and the port alone making those two calls, each against the same two calls through koffi with no
 * SDK code. The goal is judged on the negotiation.
 * Run: node --conditions=@negotiate/source --import tsx bench/landlock-negotiation.bench.ts
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Knowledge } from "@negotiate/core";
import {
  LANDLOCK_CATALOGUE,
  LANDLOCK_POLICY_DEFAULTS,
  type LandlockRightName,
  landlockMasksAt,
  negotiateLandlockGrant,
} from "@negotiate/core/landlock";
import { landlockBackend } from "@negotiate/linux";
import { sdkSource } from "./support/negotiation.js";

const GOAL = 1.15;
const PROCESSES = 5;
const PAIRS = 2_000;
// Calls per timed sample: one create+close takes about a µs.
const BATCH = 32;

const port = landlockBackend()._unsafeUnwrap();
const abi = port.abiVersion();
if (abi.isErr()) {
  console.log(`skipped: no Landlock on this kernel (${abi.error.errno})`);
  process.exit(0);
}
const known = landlockMasksAt(abi.value);
const attr = { handledAccessFs: known.fs, handledAccessNet: known.net, scoped: known.scope };

// --- The bare koffi loop: its own bindings, no SDK code. -------------------------------------------------
const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");
const libc = koffi.load("libc.so.6");
const createRuleset = libc.func("long syscall(long nr, void *attr, unsigned long size, unsigned long flags)");
const close = libc.func("int close(int fd)");
const SYS_LANDLOCK_CREATE_RULESET = 444;
const words = new BigUint64Array(6);
const struct = new Uint8Array(words.buffer);

function bare(): void {
  words[0] = known.fs;
  words[1] = known.net;
  words[2] = known.scope;
  const fd = createRuleset(SYS_LANDLOCK_CREATE_RULESET, struct, 48, 0) as number;
  if (fd < 0) throw new Error(`landlock_create_ruleset failed: errno ${koffi.errno()}`);
  close(fd);
}

function portCalls(): void {
  const fd = port.createRuleset(attr)._unsafeUnwrap();
  port.close(fd);
}

// Every fs, net and scope right: the same struct as the bare loop's once intersected with this ABI.
const policy = {
  ...LANDLOCK_POLICY_DEFAULTS,
  required: [],
  optional: LANDLOCK_CATALOGUE.filter((entry) => ["fs", "net", "scope"].includes(entry.group)).map(
    (entry) => entry.name,
  ) as LandlockRightName[],
  forbidden: [],
  rules: [],
};
const knowledge = new Knowledge();
function negotiation(): void {
  const grant = negotiateLandlockGrant(policy, { backend: port, knowledge })._unsafeUnwrap();
  port.close(grant.rulesetFd!);
}

function sample(run: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) run();
  return Number(process.hrtime.bigint() - start) / BATCH;
}

const median = (values: Float64Array | number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
};

// --- One process: paired samples, the order alternating, so drift and other processes fall on both alike. ---
if (process.argv[2] === "--paired") {
  for (let i = 0; i < 200; i++) {
    bare();
    portCalls();
    negotiation();
  }
  const bareNs = new Float64Array(PAIRS);
  const portNs = new Float64Array(PAIRS);
  const sdkNs = new Float64Array(PAIRS);
  const runs = [
    [bareNs, bare],
    [portNs, portCalls],
    [sdkNs, negotiation],
  ] as const;
  for (let i = 0; i < PAIRS; i++)
    for (const [samples, run] of i % 2 === 0 ? runs : [...runs].reverse()) samples[i] = sample(run);
  console.log(
    JSON.stringify({
      ratio: median(sdkNs) / median(bareNs),
      portRatio: median(portNs) / median(bareNs),
      bare: median(bareNs),
      port: median(portNs),
      sdk: median(sdkNs),
    }),
  );
  process.exit(0);
}

interface Paired {
  readonly ratio: number;
  readonly portRatio: number;
  readonly bare: number;
  readonly port: number;
  readonly sdk: number;
}

const runs: Paired[] = Array.from({ length: PROCESSES }, () => {
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--paired"],
    {
      encoding: "utf8",
    },
  );
  return JSON.parse(out.trim().split("\n").at(-1)!) as Paired;
});
const range = (values: number[], digits: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${median(sorted).toFixed(digits)} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`;
};
const ratio = median(runs.map((run) => run.ratio));
console.log(
  `Linux ${port.info.kernelRelease} ${port.info.arch}, node ${process.version}, Landlock ABI ${abi.value}; SDK from ${sdkSource}`,
);
console.log(
  `baseline: bare koffi landlock_create_ruleset(48 bytes) + close; ${PROCESSES} processes × ${PAIRS} pairs × ${BATCH} calls`,
);
console.log(
  `bare koffi loop      ns/op ${range(
    runs.map((run) => run.bare),
    0,
  )}`,
);
console.log(
  `LandlockPort calls   ns/op ${range(
    runs.map((run) => run.port),
    0,
  )}  × bare ${range(
    runs.map((run) => run.portRatio),
    2,
  )}`,
);
console.log(
  `SDK negotiation      ns/op ${range(
    runs.map((run) => run.sdk),
    0,
  )}  (auto, ABI known: one create_ruleset + close)`,
);
console.log(
  `Goal: negotiation/bare koffi = ${range(
    runs.map((run) => run.ratio),
    2,
  )} (median of ${PROCESSES} processes' paired medians); goal ≤ ${GOAL.toFixed(2)} ${ratio <= GOAL ? "met" : "MISSED"}`,
);

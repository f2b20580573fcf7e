// How every benchmark here compares and judges: paired, alternated samples; medians with their range; a goal
// met or missed on the median, never on the fastest run (the fastest hides how much the load moves things).
import { spawnSync } from "node:child_process";

/** The median of `values` (not modified). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The lowest and highest of `values`: `1.12–1.35×`. */
export function range(values: readonly number[], digits: number, unit = ""): string {
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}${unit}`;
}

/** The median of `values` with their range: `1.21× (1.12–1.35×)`. */
export function withRange(values: readonly number[], digits: number, unit = ""): string {
  return `${median(values).toFixed(digits)}${unit} (${range(values, digits, unit)})`;
}

/** The middle half of `values` (25th to 75th percentile), for ranges that a few disturbed runs would stretch. */
export function middleHalf(values: readonly number[]): readonly number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.slice(Math.floor(sorted.length / 4), Math.ceil((sorted.length * 3) / 4));
}

/** `met (≤ 1.25×)` or `MISSED (≤ 1.25×)`, for a ratio judged on its median. */
export function verdict(ratio: number, goal: number): string {
  return `${ratio <= goal ? "met" : "MISSED"} (≤ ${goal}×)`;
}

/** One process to time: `node` with `args`. */
export interface ProcessVariant {
  readonly label: string;
  readonly args: readonly string[];
  /** Where it runs; default this process's working directory. */
  readonly cwd?: string;
}

/**
 * Wall time, in ms, of `rounds` runs of each variant as a fresh `node` process. Every round runs each variant
 * once, forward in even rounds and backward in odd ones, so that the variants share the machine's drift and
 * each sits next to the baseline (variant 0) as often before as after it. A variant that fails stops the run.
 */
export function timeProcesses(variants: readonly ProcessVariant[], rounds: number): number[][] {
  const once = (variant: ProcessVariant): number => {
    const start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, variant.args, {
      cwd: variant.cwd,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (child.status !== 0) throw new Error(`${variant.label} exited ${child.status}: ${child.stderr}`);
    return elapsed;
  };
  for (const variant of variants) once(variant); // the file cache warmed, each command checked once
  const samples = variants.map(() => [] as number[]);
  const order = variants.map((_, index) => index);
  for (let round = 0; round < rounds; round++) {
    for (const index of round % 2 ? [...order].reverse() : order)
      samples[index]!.push(once(variants[index]!));
  }
  return samples;
}

/** Per-round ratios of `samples` to `baseline` (paired by round). */
export const pairedRatios = (samples: readonly number[], baseline: readonly number[]): number[] =>
  samples.map((value, round) => value / baseline[round]!);

/** Per-round differences, in ms, of `samples` from `baseline` (paired by round). */
export const pairedDifferences = (samples: readonly number[], baseline: readonly number[]): number[] =>
  samples.map((value, round) => value - baseline[round]!);

/** One table row per variant: median ms with range, and its paired ratio to variant 0 with the goal. */
export function processTable(
  variants: readonly (ProcessVariant & { readonly goal?: number })[],
  samples: readonly (readonly number[])[],
): Record<string, string>[] {
  const baseline = samples[0]!;
  return variants.map((variant, index) => {
    const ratios = pairedRatios(samples[index]!, baseline);
    return {
      command: variant.label,
      "ms: median (range)": withRange(samples[index]!, 1),
      "× baseline: median of pairs (middle half; all)": `${median(ratios).toFixed(2)}× (${range(middleHalf(ratios), 2)}; ${range(ratios, 2)})`,
      goal: variant.goal === undefined ? "" : verdict(median(ratios), variant.goal),
    };
  });
}

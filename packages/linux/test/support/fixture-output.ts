import { readdirSync, readlinkSync } from "node:fs";
import { toJson } from "./bigint-json.js";

/** Prints `value` for `runFixture`. */
export function printJson(value: unknown): void {
  process.stdout.write(toJson(value));
}

/** The number of fds this process has open. */
export const openFdCount = (): number => readdirSync("/proc/self/fd").length;

/** The fds this process has open, each as "number → what it refers to". */
export function openFds(): ReadonlySet<string> {
  const fds = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    // The fd that reads the folder itself is gone by the time readlink runs.
    try {
      fds.add(`${fd} → ${readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {}
  }
  return fds;
}

/**
 * How many fds are open now that were not open at `before` (by number and by what they refer to). An fd that
 * Node itself closes meanwhile (a loader's file, on a busy machine) is no leak, and a leaked fd that takes its
 * number still counts, since it refers to something else.
 */
export function fdsLeftSince(before: ReadonlySet<string>): number {
  let left = 0;
  for (const fd of openFds()) if (!before.has(fd)) left++;
  return left;
}

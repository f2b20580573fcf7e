import { closeSync, openSync, readSync } from "node:fs";
import { fromThrowable, type Result } from "neverthrow";
import type { ScenarioError } from "./scenario-error.js";

/** Bit 57 of a `/proc/<pid>/pagemap` entry: the page is userfaultfd write-protected (since 5.14). */
export const PM_UFFD_WP = 1n << 57n;

const ENTRY_SIZE = 8;

function readEntries(address: bigint, pages: number, pageSize: number): bigint[] {
  const buffer = Buffer.alloc(pages * ENTRY_SIZE);
  const fd = openSync("/proc/self/pagemap", "r");
  try {
    // One u64 per virtual page, indexed by page number.
    const position = Number(address / BigInt(pageSize)) * ENTRY_SIZE;
    const read = readSync(fd, buffer, 0, buffer.length, position);
    if (read !== buffer.length) throw new Error(`short read: ${read} of ${buffer.length} bytes`);
  } finally {
    closeSync(fd);
  }
  return Array.from({ length: pages }, (_, index) => buffer.readBigUInt64LE(index * ENTRY_SIZE));
}

/**
 * The `/proc/self/pagemap` entries of `pages` pages from `address`, as u64 masks (`PM_*` bits).
 * Errors: `pagemap-unreadable` (no procfs, or a kernel without pagemap).
 */
export const readPagemap: (
  address: bigint,
  pages: number,
  pageSize: number,
) => Result<bigint[], ScenarioError> = fromThrowable(
  readEntries,
  (cause): ScenarioError => ({
    kind: "pagemap-unreadable",
    message: `reading /proc/self/pagemap failed: ${cause instanceof Error ? cause.message : String(cause)}`,
  }),
);

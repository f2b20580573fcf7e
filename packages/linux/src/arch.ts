import { ARCHES, type ArchDefinition } from "@negotiate/core/engine";

/** The numbers that differ between Linux architectures: the core's arch row plus the `open()` flags. */
export interface ArchConstants extends ArchDefinition {
  readonly oCloexec: number;
  readonly oNonblock: number;
  readonly oRdwr: number;
}

// O_* values follow asm-generic on every architecture of the core's table; sparc, alpha, parisc and mips
// differ (O_NONBLOCK 0x4004 / 0o4 / 0o200004 / 0x80) but have no row, so they are refused as unknown.
const GENERIC_FLAGS = { oCloexec: 0o2000000, oNonblock: 0o4000, oRdwr: 0o2 } as const;

// Keyed by `process.arch`: syscall numbers, USERFAULTFD_IOC_NEW and build support from the core's table.
const BY_NODE_ARCH: ReadonlyMap<string, ArchConstants> = new Map(
  ARCHES.map((arch): [string, ArchConstants] => [arch.nodeArch, { ...arch, ...GENERIC_FLAGS }]),
);

/** The constants for a `process.arch` value, or `undefined` for an architecture without a row. */
export function archConstants(nodeArch: string): ArchConstants | undefined {
  return BY_NODE_ARCH.get(nodeArch);
}

/** `UFFDIO_API` = `_IOWR(0xAA, 0x3F, struct uffdio_api)`: the same value on every architecture. */
export const UFFDIO_API = 0xc018aa3f;

/** `UFFD_USER_MODE_ONLY`. */
export const UFFD_USER_MODE_ONLY = 1;

/** `O_RDONLY`. */
export const O_RDONLY = 0;

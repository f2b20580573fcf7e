/** The numbers that differ between Linux architectures. */
export interface ArchConstants {
  /** The architecture as the SDK names it (`uname -m` style). */
  readonly name: string;
  /** `__NR_userfaultfd`. */
  readonly userfaultfd: number;
  /** `USERFAULTFD_IOC_NEW` = `_IO(0xAA, 0x00)`: the `_IOC_NONE` direction bit differs on powerpc/mips/sparc/alpha. */
  readonly ioctlNew: number;
  readonly oCloexec: number;
  readonly oNonblock: number;
  readonly oRdwr: number;
}

// O_* values follow asm-generic on every architecture Node.js runs on here; sparc, alpha, parisc and mips
// differ (O_NONBLOCK 0x4004 / 0o4 / 0o200004 / 0x80) but have no row, so they are refused as unknown.
const GENERIC_FLAGS = { oCloexec: 0o2000000, oNonblock: 0o4000, oRdwr: 0o2 } as const;

// Keyed by `process.arch`; syscall numbers from the reference §5, USERFAULTFD_IOC_NEW from §2.
const ARCHES: Readonly<Record<string, ArchConstants>> = {
  x64: { name: "x86_64", userfaultfd: 323, ioctlNew: 0xaa00, ...GENERIC_FLAGS },
  ia32: { name: "i386", userfaultfd: 374, ioctlNew: 0xaa00, ...GENERIC_FLAGS },
  arm64: { name: "arm64", userfaultfd: 282, ioctlNew: 0xaa00, ...GENERIC_FLAGS },
  riscv64: { name: "riscv64", userfaultfd: 282, ioctlNew: 0xaa00, ...GENERIC_FLAGS },
  loong64: { name: "loongarch64", userfaultfd: 282, ioctlNew: 0xaa00, ...GENERIC_FLAGS },
  arm: { name: "arm", userfaultfd: 388, ioctlNew: 0xaa00, ...GENERIC_FLAGS },
  ppc64: { name: "ppc64", userfaultfd: 364, ioctlNew: 0x2000aa00, ...GENERIC_FLAGS },
  s390x: { name: "s390x", userfaultfd: 355, ioctlNew: 0xaa00, ...GENERIC_FLAGS },
};

/** The constants for a `process.arch` value, or `undefined` for an architecture without a row. */
export function archConstants(nodeArch: string): ArchConstants | undefined {
  return Object.hasOwn(ARCHES, nodeArch) ? ARCHES[nodeArch] : undefined;
}

/** `UFFDIO_API` = `_IOWR(0xAA, 0x3F, struct uffdio_api)`: the same value on every architecture. */
export const UFFDIO_API = 0xc018aa3f;

/** `UFFD_USER_MODE_ONLY`. */
export const UFFD_USER_MODE_ONLY = 1;

/** `O_RDONLY`. */
export const O_RDONLY = 0;

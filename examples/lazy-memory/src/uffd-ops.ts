import type { Errno } from "@negotiate/core";
import type { Result } from "neverthrow";

/**
 * The userfaultfd operations a program performs AFTER negotiating: everything `negotiate()` deliberately
 * leaves out. This helper belongs to the example, not to the SDK: the negotiation API stays small.
 *
 * Linux x86_64 only. Struct layouts follow `include/uapi/linux/userfaultfd.h`; the ioctl numbers are
 * derived from them with the generic `_IOC` encoding (see {@link ioctlNumber}), and a test pins them to
 * the kernel's values.
 */

/** `_IOC_READ` / `_IOC_WRITE` as used by `_IOR` and `_IOWR` (generic encoding: x86, arm64, riscv). */
const IOC_WRITE = 1n;
const IOC_READ = 2n;

/** The ioctl type byte of every userfaultfd ioctl (`UFFDIO`). */
export const UFFDIO = 0xaa;

/**
 * `_IOC(dir, type, nr, size)` = `dir << 30 | size << 16 | type << 8 | nr`.
 * `_IOR` is `dir = READ`, `_IOWR` is `dir = READ | WRITE`; `size` is the argument struct's size in bytes.
 */
export function ioctlNumber(direction: "r" | "rw", nr: number, size: number): bigint {
  const dir = direction === "r" ? IOC_READ : IOC_READ | IOC_WRITE;
  return (dir << 30n) | (BigInt(size) << 16n) | (BigInt(UFFDIO) << 8n) | BigInt(nr);
}

/** `_UFFDIO_*` command numbers (the `nr` of each ioctl). */
export const UFFDIO_NR = {
  REGISTER: 0x00,
  UNREGISTER: 0x01,
  WAKE: 0x02,
  COPY: 0x03,
  WRITEPROTECT: 0x06,
} as const;

/** `uffdio_register.mode`: which faults the range reports. */
export const REGISTER_MODE = { MISSING: 1n, WP: 2n } as const;

/** `uffdio_writeprotect.mode`: `WP` protects; `0` un-protects and wakes the threads waiting on the range. */
export const WRITEPROTECT_MODE = { WP: 1n } as const;

/** `uffd_msg.event` of a page fault. */
export const UFFD_EVENT_PAGEFAULT = 0x12;

/** `uffd_msg.arg.pagefault.flags`: the fault was a write; the fault was on a write-protected page. */
export const PAGEFAULT_FLAG = { WRITE: 1n, WP: 2n } as const;

/** Size of one `struct uffd_msg` (packed). */
export const UFFD_MSG_SIZE = 32;

/** A range `[start, start + length)` of the address space; both page-aligned for the ioctls. */
export interface UffdRange {
  readonly start: bigint;
  readonly length: bigint;
}

/** The index of the page at `address` in a region of `pageSize` pages starting at `start`. */
export const pageOf = (start: bigint, pageSize: number, address: bigint): number =>
  Number((address - start) / BigInt(pageSize));

/** The index of the page at `address` in a region of `pages` pages, or `undefined` outside it. */
export function pageIn(start: bigint, pages: number, pageSize: number, address: bigint): number | undefined {
  const page = pageOf(start, pageSize, address);
  return address < start || page >= pages ? undefined : page;
}

/** Page `page` of a region starting at `start`, as a range. */
export const pageRange = (start: bigint, pageSize: number, page: number): UffdRange => ({
  start: start + BigInt(page * pageSize),
  length: BigInt(pageSize),
});

/** One `struct uffd_msg` read from the fd. */
export type UffdMessage =
  | {
      readonly kind: "pagefault";
      /** `PAGEFAULT_FLAG` bits. */
      readonly flags: bigint;
      /** The faulting address, rounded down to the page unless EXACT_ADDRESS is enabled. */
      readonly address: bigint;
      /** `feat.ptid`: the faulting thread's id when THREAD_ID is enabled, else 0. */
      readonly ptid: number;
    }
  /** An event this example does not handle (fork, remap, remove, unmap): only possible when enabled. */
  | { readonly kind: "other"; readonly event: number };

/** The operations {@link UffdOps} performs, named as the failing call in errors. */
export type UffdOpName =
  | "mmap"
  | "munmap"
  | "poll"
  | "read"
  | "UFFDIO_REGISTER"
  | "UFFDIO_UNREGISTER"
  | "UFFDIO_WAKE"
  | "UFFDIO_COPY"
  | "UFFDIO_WRITEPROTECT";

/** Why an operation could not be done. */
export type UffdOpsError =
  | {
      /** Not Linux x86_64: the constants and layouts here would be wrong. */
      readonly kind: "unsupported-platform";
      readonly platform: string;
      readonly arch: string;
      readonly message: string;
    }
  /** koffi or the C library could not be loaded. */
  | { readonly kind: "bindings-unavailable"; readonly message: string }
  /** The kernel refused a call. */
  | {
      readonly kind: "syscall-failed";
      readonly op: UffdOpName;
      readonly errno: Errno;
      readonly message: string;
    };

/**
 * Thin, typed wrappers around the system calls a userfaultfd handler needs. Every method is one call;
 * errors are values (never thrown) carrying the errno.
 */
export interface UffdOps {
  /** `sysconf(_SC_PAGESIZE)`. */
  readonly pageSize: number;

  /** `mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)`: its address. Errors: ENOMEM. */
  mapAnonymous(length: number): Result<bigint, UffdOpsError>;

  /** `munmap(address, length)`. Errors: EINVAL. */
  unmap(address: bigint, length: number): Result<void, UffdOpsError>;

  /**
   * `poll()` for `POLLIN` on `fd`, at most `timeoutMs` (0: do not wait): `true` when a message is ready.
   * Errors: EBADF, EINVAL (fd without UFFDIO_API), EINTR.
   */
  waitReadable(fd: number, timeoutMs: number): Result<boolean, UffdOpsError>;

  /**
   * One `read()` of up to `max` (default 16) messages. On a non-blocking fd with nothing pending: an empty
   * list (EAGAIN is not an error). Errors: EBADF, EINVAL.
   */
  readMessages(fd: number, max?: number): Result<readonly UffdMessage[], UffdOpsError>;

  /** `UFFDIO_REGISTER` of `range` with `REGISTER_MODE` bits: the range ioctls it allows (a `_UFFDIO_*` bit mask). Errors: EINVAL (mode not enabled / not allowed on this memory), EBUSY. */
  register(fd: number, range: UffdRange, mode: bigint): Result<bigint, UffdOpsError>;

  /** `UFFDIO_UNREGISTER`: also wakes threads waiting on missing faults in the range. Errors: EINVAL. */
  unregister(fd: number, range: UffdRange): Result<void, UffdOpsError>;

  /** `UFFDIO_WAKE`: wakes the threads waiting on faults in `range`. Errors: EINVAL. */
  wake(fd: number, range: UffdRange): Result<void, UffdOpsError>;

  /**
   * `UFFDIO_COPY` (mode 0) of `length` bytes from `source` to the missing pages at `destination`, waking the
   * faulting threads: the bytes copied. Errors: EEXIST (page already present), EAGAIN, ENOENT.
   */
  copy(fd: number, destination: bigint, source: bigint, length: bigint): Result<bigint, UffdOpsError>;

  /** `UFFDIO_WRITEPROTECT` of `range` with `WRITEPROTECT_MODE` bits (`0`: un-protect and wake). Errors: EINVAL, ENOENT. */
  writeProtect(fd: number, range: UffdRange, mode: bigint): Result<void, UffdOpsError>;

  /** A view of `length` bytes of native memory at `address` (no copy): touching it may fault. */
  memory(address: bigint, length: number): Uint8Array;
}

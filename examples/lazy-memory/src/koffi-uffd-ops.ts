import { createRequire } from "node:module";
import { errnoName } from "@negotiate/core";
import type Koffi from "koffi";
import { err, fromThrowable, ok, type Result } from "neverthrow";
import {
  ioctlNumber,
  UFFD_EVENT_PAGEFAULT,
  UFFD_MSG_SIZE,
  UFFDIO_NR,
  type UffdMessage,
  type UffdOpName,
  type UffdOps,
  type UffdOpsError,
  type UffdRange,
} from "./uffd-ops.js";

const PROT_READ_WRITE = 0x1 | 0x2;
const MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
const MAP_FAILED = (1n << 64n) - 1n;
const POLLIN = 0x1;
const SC_PAGESIZE = 30;
const EAGAIN = 11;

// Layouts from include/uapi/linux/userfaultfd.h; every field is a u64 except where noted.
function structs(koffi: typeof Koffi) {
  const range = koffi.struct({ start: "uint64", len: "uint64" });
  return {
    range,
    register: koffi.struct({ range, mode: "uint64", ioctls: "uint64" }),
    copy: koffi.struct({ dst: "uint64", src: "uint64", len: "uint64", mode: "uint64", copy: "int64" }),
    writeProtect: koffi.struct({ range, mode: "uint64" }),
    // The union member `arg` read as its pagefault variant: flags, address, feat.ptid (u32) and padding.
    msg: koffi.pack({
      event: "uint8",
      reserved1: "uint8",
      reserved2: "uint16",
      reserved3: "uint32",
      flags: "uint64",
      address: "uint64",
      ptid: "uint32",
      padding: "uint32",
    }),
    pollfd: koffi.struct({ fd: "int", events: "short", revents: "short" }),
  };
}

/** The ioctl numbers for these layouts: `_IOWR`/`_IOR` of each struct's size. */
export function uffdIoctlNumbers(koffi: typeof Koffi, s: ReturnType<typeof structs> = structs(koffi)) {
  return {
    UFFDIO_REGISTER: ioctlNumber("rw", UFFDIO_NR.REGISTER, koffi.sizeof(s.register)),
    UFFDIO_UNREGISTER: ioctlNumber("r", UFFDIO_NR.UNREGISTER, koffi.sizeof(s.range)),
    UFFDIO_WAKE: ioctlNumber("r", UFFDIO_NR.WAKE, koffi.sizeof(s.range)),
    UFFDIO_COPY: ioctlNumber("rw", UFFDIO_NR.COPY, koffi.sizeof(s.copy)),
    UFFDIO_WRITEPROTECT: ioctlNumber("rw", UFFDIO_NR.WRITEPROTECT, koffi.sizeof(s.writeProtect)),
    msgSize: koffi.sizeof(s.msg),
  };
}

type Call = (...args: unknown[]) => number | bigint | null;

class KoffiUffdOps implements UffdOps {
  readonly pageSize: number;
  private readonly s: ReturnType<typeof structs>;
  private readonly numbers: ReturnType<typeof uffdIoctlNumbers>;
  private readonly fn: Record<
    "mmap" | "munmap" | "poll" | "read" | "ioctlRegister" | "ioctlRange" | "ioctlCopy" | "ioctlWriteProtect",
    Call
  >;

  constructor(private readonly koffi: typeof Koffi) {
    const libc = koffi.load("libc.so.6");
    this.s = structs(koffi);
    this.numbers = uffdIoctlNumbers(koffi, this.s);
    const ioctl = (arg: ReturnType<typeof koffi.type> | ReturnType<typeof koffi.inout>) =>
      libc.func("ioctl", "int", ["int", "unsigned long", arg]) as Call;
    this.fn = {
      mmap: libc.func("void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)") as Call,
      munmap: libc.func("int munmap(void *addr, size_t len)") as Call,
      poll: libc.func("poll", "int", [
        koffi.inout(koffi.pointer(this.s.pollfd)),
        "unsigned long",
        "int",
      ]) as Call,
      read: libc.func("intptr_t read(int fd, _Out_ uint8_t *buf, size_t count)") as Call,
      ioctlRegister: ioctl(koffi.inout(koffi.pointer(this.s.register))),
      ioctlRange: ioctl(koffi.pointer(this.s.range)),
      ioctlCopy: ioctl(koffi.inout(koffi.pointer(this.s.copy))),
      ioctlWriteProtect: ioctl(koffi.pointer(this.s.writeProtect)),
    };
    const sysconf = libc.func("long sysconf(int name)") as Call;
    this.pageSize = Number(sysconf(SC_PAGESIZE));
  }

  mapAnonymous(length: number): Result<bigint, UffdOpsError> {
    const address = this.fn.mmap(null, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
    if (address === null || address === MAP_FAILED) return this.failure("mmap", `mmap(${length} bytes)`);
    return ok(BigInt(address));
  }

  unmap(address: bigint, length: number): Result<void, UffdOpsError> {
    return this.check("munmap", this.fn.munmap(address, length), `munmap(0x${address.toString(16)})`);
  }

  waitReadable(fd: number, timeoutMs: number): Result<boolean, UffdOpsError> {
    const pollfd = { fd, events: POLLIN, revents: 0 };
    const ready = Number(this.fn.poll(pollfd, 1, timeoutMs));
    if (ready < 0) return this.failure("poll", `poll(fd ${fd})`);
    return ok(ready > 0 && (pollfd.revents & POLLIN) !== 0);
  }

  readMessages(fd: number, max = 16): Result<readonly UffdMessage[], UffdOpsError> {
    const buffer = Buffer.alloc(max * UFFD_MSG_SIZE);
    const bytes = Number(this.fn.read(fd, buffer, buffer.length));
    if (bytes < 0) return this.koffi.errno() === EAGAIN ? ok([]) : this.failure("read", `read(fd ${fd})`);
    const messages: UffdMessage[] = [];
    for (let offset = 0; offset + UFFD_MSG_SIZE <= bytes; offset += UFFD_MSG_SIZE) {
      const raw = this.koffi.decode(buffer, offset, this.s.msg) as Record<string, number | bigint>;
      messages.push(
        raw.event === UFFD_EVENT_PAGEFAULT
          ? {
              kind: "pagefault",
              flags: BigInt(raw.flags!),
              address: BigInt(raw.address!),
              ptid: Number(raw.ptid),
            }
          : { kind: "other", event: Number(raw.event) },
      );
    }
    return ok(messages);
  }

  register(fd: number, range: UffdRange, mode: bigint): Result<bigint, UffdOpsError> {
    const arg = { range: this.range(range), mode, ioctls: 0n };
    const result = this.fn.ioctlRegister(fd, this.numbers.UFFDIO_REGISTER, arg);
    return this.check("UFFDIO_REGISTER", result, this.describe(range)).map(() => BigInt(arg.ioctls));
  }

  unregister(fd: number, range: UffdRange): Result<void, UffdOpsError> {
    const result = this.fn.ioctlRange(fd, this.numbers.UFFDIO_UNREGISTER, this.range(range));
    return this.check("UFFDIO_UNREGISTER", result, this.describe(range));
  }

  wake(fd: number, range: UffdRange): Result<void, UffdOpsError> {
    const result = this.fn.ioctlRange(fd, this.numbers.UFFDIO_WAKE, this.range(range));
    return this.check("UFFDIO_WAKE", result, this.describe(range));
  }

  copy(fd: number, destination: bigint, source: bigint, length: bigint): Result<bigint, UffdOpsError> {
    const arg = { dst: destination, src: source, len: length, mode: 0n, copy: 0n };
    const result = this.fn.ioctlCopy(fd, this.numbers.UFFDIO_COPY, arg);
    const what = this.describe({ start: destination, length });
    return this.check("UFFDIO_COPY", result, what).map(() => BigInt(arg.copy));
  }

  writeProtect(fd: number, range: UffdRange, mode: bigint): Result<void, UffdOpsError> {
    const arg = { range: this.range(range), mode };
    const result = this.fn.ioctlWriteProtect(fd, this.numbers.UFFDIO_WRITEPROTECT, arg);
    return this.check("UFFDIO_WRITEPROTECT", result, this.describe(range));
  }

  memory(address: bigint, length: number): Uint8Array {
    return new Uint8Array(this.koffi.view(address, length));
  }

  private range(range: UffdRange) {
    return { start: range.start, len: range.length };
  }

  private describe(range: UffdRange): string {
    return `[0x${range.start.toString(16)}, +${range.length})`;
  }

  private check(op: UffdOpName, result: number | bigint | null, what: string): Result<void, UffdOpsError> {
    return Number(result) < 0 ? this.failure(op, what) : ok(undefined);
  }

  private failure<T>(op: UffdOpName, what: string): Result<T, UffdOpsError> {
    const errno = errnoName(this.koffi.errno());
    return err({ kind: "syscall-failed", op, errno, message: `${op} ${what} failed with ${errno}` });
  }
}

const requireFromHere = createRequire(import.meta.url);

// koffi is loaded on first use only, so importing this module never fails on other platforms.
const load = fromThrowable(
  (): UffdOps => new KoffiUffdOps(requireFromHere("koffi") as typeof Koffi),
  (cause): UffdOpsError => ({
    kind: "bindings-unavailable",
    message: `could not load koffi or libc: ${cause instanceof Error ? cause.message : String(cause)}`,
  }),
);

let loaded: Result<UffdOps, UffdOpsError> | undefined;

/** The userfaultfd operations of this process (loaded once). Errors: `unsupported-platform`, `bindings-unavailable`. */
export function loadUffdOps(): Result<UffdOps, UffdOpsError> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    return err({
      kind: "unsupported-platform",
      platform: process.platform,
      arch: process.arch,
      message: `the userfaultfd bindings of this example are for Linux x86_64, not ${process.platform} ${process.arch}`,
    });
  }
  loaded ??= load();
  return loaded;
}

import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fromThrowable, type Result } from "neverthrow";

/**
 * The libc calls the backend makes. Every call returns what libc returns (`-1` on failure); `errno()` must be
 * read right after a failed call, before anything else can overwrite it.
 */
export interface Libc {
  /** `syscall(nr, flags)`, declared with a fixed prototype (the integer arguments travel as they would variadically). */
  syscall1(nr: number, arg: number): number;
  /** `ioctl(fd, request, pointer)`. */
  ioctlPointer(fd: number, request: number, arg: Uint8Array): number;
  /** `ioctl(fd, request, integer)`. */
  ioctlInteger(fd: number, request: number, arg: number): number;
  /** `open(path, flags)`; `path` is NUL-terminated bytes. */
  open(path: Uint8Array, flags: number): number;
  /** `read(fd, buffer, count)`. */
  read(fd: number, buffer: Uint8Array, count: number): number;
  close(fd: number): number;
  /** The errno the last call left. */
  errno(): number;
}

/** Why libc could not be bound. */
export interface BindingFailure {
  readonly reason: string;
}

export type Koffi = typeof import("koffi");

/** koffi and the libc it opened: loaded once, for every set of bindings (userfaultfd's, Landlock's). */
export interface LibcLibrary {
  readonly koffi: Koffi;
  readonly lib: ReturnType<Koffi["load"]>;
}

let library: Result<LibcLibrary, BindingFailure> | undefined;
let loaded: Result<Libc, BindingFailure> | undefined;

/** Loads koffi and opens libc on first use; koffi is never loaded before that, and a failure is remembered. */
export function loadLibcLibrary(): Result<LibcLibrary, BindingFailure> {
  library ??= openLibrary();
  return library;
}

/** Binds libc through koffi on first use (see `loadLibcLibrary`). */
export function loadLibc(): Result<Libc, BindingFailure> {
  loaded ??= loadLibcLibrary().andThen(bind);
  return loaded;
}

// Node's "Cannot find module" carries a multi-line require stack: the first line says what failed.
export const describe = (error: unknown): BindingFailure => ({
  reason: (error instanceof Error ? error.message : String(error)).split("\n", 1)[0]!,
});

const openLibrary = fromThrowable((): LibcLibrary => {
  const koffi = loadKoffi(requireHere());
  return { koffi, lib: openLibc(koffi) };
}, describe);

const bind = fromThrowable(({ koffi, lib }: LibcLibrary): Libc => {
  const syscall1 = lib.func("long syscall(long nr, long arg)");
  const ioctlPointer = lib.func("int ioctl(int fd, unsigned long request, void *arg)");
  const ioctlInteger = lib.func("int ioctl(int fd, unsigned long request, long arg)");
  const open = lib.func("int open(const void *path, int flags)");
  const read = lib.func("long read(int fd, void *buffer, unsigned long count)");
  const close = lib.func("int close(int fd)");
  return { syscall1, ioctlPointer, ioctlInteger, open, read, close, errno: () => koffi.errno() };
}, describe);

// The CommonJS build has an empty `import.meta` and its module's own `require` (making one would load
// node:module, ~0.4 ms of a start-up); the ES module build has `import.meta.url` (a global `require`, which
// `node -e` defines, must not decide it).
export const requireHere = (): NodeJS.Require => {
  const url = import.meta.url as string | undefined;
  return url === undefined ? require : createRequire(url);
};

// koffi's entry finds its native module through two loaders that each read node's ELF headers, and resolving its
// `exports` loads Node's ES module resolver: most of what koffi adds to a start-up besides the dlopen. On glibc
// x86_64 the native module is loaded from where koffi's platform package keeps it, when it is there and of
// koffi's version; anything else goes through koffi's entry.
function loadKoffi(require: NodeJS.Require): Koffi {
  const native = fromThrowable(() => nativeKoffi(require), describe)();
  return native.isOk() && native.value ? native.value : (require("koffi") as Koffi);
}

function nativeKoffi(require: NodeJS.Require): Koffi | undefined {
  if (process.platform !== "linux" || process.arch !== "x64" || existsSync("/lib/ld-musl-x86_64.so.1"))
    return;
  const folder = require.resolve
    .paths("koffi")
    ?.map((modules) => join(modules, "koffi"))
    .find((candidate) => existsSync(join(candidate, "package.json")));
  if (!folder) return;
  // One realpath(3) rather than an lstat per path component from JavaScript.
  const real = realpathSync.native(folder);
  const { version } = JSON.parse(readFileSync(join(real, "package.json"), "utf8")) as { version?: string };
  const native = require(join(real, "..", "@koromix", "koffi-linux-x64", "linux_x64", "koffi.node")) as Koffi;
  return native.version === version ? native : undefined;
}

// glibc names its soname; musl and others are found through the symbols the process itself already has.
function openLibc(koffi: Koffi): ReturnType<Koffi["load"]> {
  const glibc = fromThrowable(() => koffi.load("libc.so.6"), describe)();
  return glibc.isOk() ? glibc.value : koffi.load(null);
}

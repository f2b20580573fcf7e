import { fromThrowable, type Result } from "neverthrow";
import {
  type BindingFailure,
  describe,
  type Libc,
  type LibcLibrary,
  loadLibc,
  loadLibcLibrary,
} from "../bindings.js";

/**
 * The libc entry points of the Landlock port, each a fixed prototype of `syscall(2)` (integer arguments travel
 * in registers as they would variadically). Every call returns what libc returns (`-1` on failure); `errno()`
 * must be read right after a failed call.
 */
export interface LandlockLibc {
  /** `syscall(nr, attr, size, flags)`; `attr` may be `null`. */
  createRuleset(nr: number, attr: Uint8Array | null, size: number, flags: number): number;
  /** `syscall(nr, rulesetFd, type, attr, flags)`. */
  addRule(nr: number, rulesetFd: number, type: number, attr: Uint8Array, flags: number): number;
  /** `syscall(nr, rulesetFd, flags)`. */
  restrictSelf(nr: number, rulesetFd: number, flags: number): number;
  /** `prctl(option, arg2, 0, 0, 0)`. */
  prctl(option: number, arg2: number, arg3: number, arg4: number, arg5: number): number;
  /** `open(path, flags)`; `path` is NUL-terminated bytes. */
  open: Libc["open"];
  close: Libc["close"];
  errno: Libc["errno"];
}

let loaded: Result<LandlockLibc, BindingFailure> | undefined;

/** Binds the Landlock prototypes on first use, through the same koffi and libc as the userfaultfd bindings. */
export function loadLandlockLibc(): Result<LandlockLibc, BindingFailure> {
  loaded ??= loadLibcLibrary().andThen((library) => loadLibc().andThen((libc) => bind(library, libc)));
  return loaded;
}

const bind = fromThrowable(({ lib }: LibcLibrary, libc: Libc): LandlockLibc => {
  return {
    createRuleset: lib.func("long syscall(long nr, void *attr, unsigned long size, unsigned long flags)"),
    addRule: lib.func("long syscall(long nr, long fd, long type, void *attr, unsigned long flags)"),
    restrictSelf: lib.func("long syscall(long nr, long fd, unsigned long flags)"),
    prctl: lib.func(
      "int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)",
    ),
    open: libc.open,
    close: libc.close,
    errno: libc.errno,
  };
}, describe);

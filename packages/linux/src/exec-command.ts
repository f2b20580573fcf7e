import { type Errno, errnoName } from "@negotiate/core/engine";
import { err, fromThrowable, type Result } from "neverthrow";
import { type BindingFailure, describe, type LibcLibrary, loadLibcLibrary } from "./bindings.js";

/**
 * Why `execCommand` returned (it returns only when the exec failed):
 * - `exec-failed`: `execvp` answered `errno`; `exitCode` is what a shell exits with for it (127: not found,
 *   ENOENT/ENOTDIR; 126: found but not runnable, EACCES, ENOEXEC and the rest);
 * - `invalid-argument`: a NUL in the file or an argument, or not a string (nothing was called; exit code 2);
 * - `backend-unavailable`: koffi or libc could not be loaded (exit code 126).
 */
export type ExecFailure =
  | {
      readonly kind: "exec-failed";
      readonly errno: Errno;
      readonly exitCode: 126 | 127;
      readonly message: string;
    }
  | { readonly kind: "invalid-argument"; readonly exitCode: 2; readonly message: string }
  | { readonly kind: "backend-unavailable"; readonly exitCode: 126; readonly message: string };

interface ExecLibc {
  execvp(file: string, argv: (string | null)[]): number;
  signal(signal: number, handler: unknown): unknown;
  fcntl(fd: number, command: number, arg: number): number;
  errno(): number;
}

// fcntl.h and signal.h: asm-generic values, which mips alone changes among Node's architectures.
const MIPS = process.arch.startsWith("mips");
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = MIPS ? 0x80 : 0o4000;
// SIGPIPE and SIGXFSZ, which Node ignores and an exec'd program would inherit ignored.
const IGNORED_BY_NODE = MIPS ? [13, 31] : [13, 25];
const NOT_FOUND: ReadonlySet<Errno> = new Set(["ENOENT", "ENOTDIR"]);

let loaded: Result<ExecLibc, BindingFailure> | undefined;

const bind = fromThrowable(
  ({ koffi, lib }: LibcLibrary): ExecLibc => ({
    execvp: lib.func("int execvp(const char *file, const char **argv)"),
    signal: lib.func("void *signal(int signum, void *handler)"),
    fcntl: lib.func("int fcntl(int fd, int command, int arg)"),
    errno: () => koffi.errno(),
  }),
  describe,
);

// Node leaves its stdio close-on-exec (and non-blocking when it made them pipes' ends): the command gets them
// as a shell would hand them over.
function handOverStdio(libc: ExecLibc): void {
  for (const fd of [0, 1, 2]) {
    const flags = libc.fcntl(fd, F_GETFL, 0);
    if (flags < 0) continue;
    if ((flags & O_NONBLOCK) !== 0) libc.fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    libc.fcntl(fd, F_SETFD, 0);
  }
}

const isPlainString = (text: unknown): text is string => typeof text === "string" && !text.includes("\0");

/**
 * Replaces this process with `file` run with `args` (`argv[0]` is `file`), through libc's `execvp`: `file`
 * without a slash is searched in `PATH`, the environment is inherited, and so are fds 0–2 (made blocking and
 * inheritable) and every fd opened without close-on-exec. SIGPIPE and SIGXFSZ, which Node ignores, are reset to
 * their defaults first (and restored when the exec fails). execve ends every other thread of the process:
 * what the calling thread carries (a Landlock domain, no_new_privs) is the whole new program's.
 * Returns only on failure (see `ExecFailure`); never throws.
 */
export function execCommand(file: string, args: readonly string[]): Result<never, ExecFailure> {
  if (!isPlainString(file) || !Array.isArray(args) || !args.every(isPlainString))
    return err({
      kind: "invalid-argument",
      exitCode: 2,
      message: "execCommand takes a command and arguments that are strings without NUL characters",
    });
  loaded ??= loadLibcLibrary().andThen(bind);
  if (loaded.isErr())
    return err({
      kind: "backend-unavailable",
      exitCode: 126,
      message: `cannot exec ${file}: ${loaded.error.reason}`,
    });
  const libc = loaded.value;
  handOverStdio(libc);
  const previous = IGNORED_BY_NODE.map((signal) => libc.signal(signal, null));
  libc.execvp(file, [file, ...args, null]);
  const errno = errnoName(libc.errno()) as Errno;
  IGNORED_BY_NODE.forEach((signal, index) => {
    libc.signal(signal, previous[index]);
  });
  const exitCode = NOT_FOUND.has(errno) ? 127 : 126;
  const why = exitCode === 127 ? "command not found" : "cannot run it";
  return err({ kind: "exec-failed", errno, exitCode, message: `${file}: ${why} (${errno})` });
}

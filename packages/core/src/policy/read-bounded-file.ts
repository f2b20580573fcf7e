import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import { fromThrowable, type Result } from "neverthrow";

/** The largest file the SDK reads: policies and host profiles are a few KiB. */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Why a file could not be read, by `kind`; `reason` is the phrase messages use ("no such file").
 * - `not-found`, `permission-denied`, `is-directory`, `not-a-directory`: the errno of opening it;
 * - `not-regular`: a device, FIFO or socket (after symlinks are resolved);
 * - `too-large`: more than `MAX_FILE_BYTES`;
 * - `encoding`: UTF-16/UTF-32 or a byte order mark, named; `not-utf8`: an invalid byte, with its offset;
 * - `io`: any other errno.
 */
export interface FileReadFailure {
  readonly kind:
    | "not-found"
    | "permission-denied"
    | "is-directory"
    | "not-a-directory"
    | "not-regular"
    | "too-large"
    | "encoding"
    | "not-utf8"
    | "io";
  readonly reason: string;
  readonly code?: string;
}

/** A file's text, and its real path (symlinks resolved), which identifies it. */
export interface BoundedFile {
  readonly text: string;
  readonly realPath: string;
}

const ERRNO_KINDS: Readonly<Record<string, readonly [FileReadFailure["kind"], string]>> = {
  ENOENT: ["not-found", "no such file"],
  EACCES: ["permission-denied", "permission denied"],
  EPERM: ["permission-denied", "permission denied"],
  EISDIR: ["is-directory", "is a directory"],
  ENOTDIR: ["not-a-directory", "a parent is not a directory"],
  ELOOP: ["not-found", "too many levels of symbolic links"],
  ENAMETOOLONG: ["not-found", "the path is too long"],
};

/** A failure this module detects itself, thrown inside the boundary and mapped back by `toFailure`. */
class ReadRefused extends Error {
  constructor(readonly failure: FileReadFailure) {
    super(failure.reason);
  }
}

function toFailure(error: unknown): FileReadFailure {
  if (error instanceof ReadRefused) return error.failure;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const known = code === undefined ? undefined : ERRNO_KINDS[code];
  if (known) return { kind: known[0], reason: known[1], code: code! };
  return { kind: "io", reason: code ?? "input/output error", ...(code ? { code } : {}) };
}

const refuse = (kind: FileReadFailure["kind"], reason: string): never => {
  throw new ReadRefused({ kind, reason });
};

// Made on the first file read: a program whose policy is written in code never decodes one.
let utf8: InstanceType<typeof TextDecoder> | undefined;

/**
 * Reads a UTF-8 text file without trusting it: regular files only (symlinks resolved first), at most
 * `MAX_FILE_BYTES`, opened non-blocking so that a FIFO cannot hang the read, strict UTF-8. The fd is closed
 * on every path. The one reader of every file the SDK opens (policies, their `extends`, host profiles).
 */
export const readBoundedFile: (path: string) => Result<BoundedFile, FileReadFailure> = fromThrowable(
  (path: string): BoundedFile => {
    const realPath = resolveRealPath(path);
    const fd = openSync(realPath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) refuse("is-directory", "is a directory");
      if (!stat.isFile()) refuse("not-regular", NOT_REGULAR);
      if (stat.size > MAX_FILE_BYTES) refuse("too-large", tooLarge(stat.size));
      // Sizes can lie (procfs says 0): read up to the limit plus one byte.
      const buffer = Buffer.allocUnsafe(Math.min(MAX_FILE_BYTES, Math.max(stat.size, 4096)) + 1);
      let length = 0;
      let buffered = buffer;
      for (;;) {
        if (length === buffered.length) {
          const grown = Buffer.allocUnsafe(Math.min(buffered.length * 2, MAX_FILE_BYTES + 1));
          buffered.copy(grown, 0, 0, length);
          buffered = grown;
        }
        const read = readSync(fd, buffered, length, buffered.length - length, null);
        if (read === 0) break;
        length += read;
        if (length > MAX_FILE_BYTES) refuse("too-large", tooLarge(length));
      }
      return { text: decodeUtf8(buffered.subarray(0, length)), realPath };
    } finally {
      closeSync(fd);
    }
  },
  toFailure,
);

const NOT_REGULAR = "not a regular file (a device, FIFO or socket)";

// A link that exists but resolves to no path (`/dev/stdin` on a pipe: `pipe:[…]`) is not a regular file.
function resolveRealPath(path: string): string {
  if (typeof path !== "string" || path === "" || path.includes("\0")) refuse("not-found", "not a file name");
  try {
    return realpathSync.native(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && lstatSync(path, { throwIfNoEntry: false }))
      refuse("not-regular", NOT_REGULAR);
    throw error;
  }
}

/** The real path of a file (symlinks resolved), which identifies it: how `extends` detects files met before. */
export const realPathOf: (path: string) => Result<string, FileReadFailure> = fromThrowable(
  resolveRealPath,
  toFailure,
);

const tooLarge = (size: number) =>
  `larger than the limit of ${MAX_FILE_BYTES} bytes (1 MiB)${size > MAX_FILE_BYTES ? `: ${size > MAX_FILE_BYTES + 1 ? size : "more"} bytes` : ""}`;

const BYTE_ORDER_MARKS: readonly (readonly [readonly number[], string])[] = [
  [[0x00, 0x00, 0xfe, 0xff], "UTF-32 (big-endian byte order mark)"],
  [[0xff, 0xfe, 0x00, 0x00], "UTF-32 (little-endian byte order mark)"],
  [[0xef, 0xbb, 0xbf], "UTF-8 with a byte order mark"],
  [[0xfe, 0xff], "UTF-16 (big-endian byte order mark)"],
  [[0xff, 0xfe], "UTF-16 (little-endian byte order mark)"],
];

function decodeUtf8(bytes: Uint8Array): string {
  for (const [mark, name] of BYTE_ORDER_MARKS) {
    if (mark.every((byte, index) => bytes[index] === byte))
      refuse("encoding", `encoded as ${name}; save it as UTF-8 without a byte order mark`);
  }
  // UTF-16 without a mark: ASCII text has every other byte NUL.
  if (bytes.length >= 2 && (bytes[0] === 0) !== (bytes[1] === 0))
    refuse("encoding", "encoded as UTF-16 (NUL bytes between characters); save it as UTF-8");
  const invalid = firstInvalidUtf8(bytes);
  if (invalid >= 0) {
    const byte = bytes[invalid]!.toString(16).padStart(2, "0");
    refuse("not-utf8", `not UTF-8 text: invalid byte 0x${byte} at offset ${invalid}`);
  }
  utf8 ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  return utf8.decode(bytes);
}

// The offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629), or -1.
function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead <= 0xf4 ? 4 : 0;
    if (length === 0 || lead < 0xc2) return index;
    const second = bytes[index + 1];
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (second === undefined || second < low || second > high) return index;
    for (let next = 2; next < length; next++) {
      const continuation = bytes[index + next];
      if (continuation === undefined || (continuation & 0xc0) !== 0x80) return index;
    }
    index += length;
  }
  return -1;
}

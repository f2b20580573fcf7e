/** Linux errno values the SDK meets, by name (generic numbering: x86, arm, riscv, s390, powerpc). */
export const ERRNO_CODES = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ELOOP: 40,
  ENOMSG: 42,
  EBADFD: 77,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
} as const;

/** An errno by name; one the table does not know is spelt `ERRNO_<n>`. */
export type Errno = keyof typeof ERRNO_CODES | `ERRNO_${number}`;

// Built on first use rather than at import: a start-up pays for no table it does not read.
let names: ReadonlyMap<number, Errno> | undefined;

/** The name of a positive errno number. */
export function errnoName(code: number): Errno {
  names ??= new Map(
    Object.entries(ERRNO_CODES).map(([name, number]) => [number, name as keyof typeof ERRNO_CODES]),
  );
  return names.get(code) ?? `ERRNO_${code}`;
}

/** The number of an errno name. */
export function errnoCode(name: Errno): number {
  return name.startsWith("ERRNO_") ? Number(name.slice(6)) : ERRNO_CODES[name as keyof typeof ERRNO_CODES];
}

/** `true` for a name an `Errno` can hold: a known name (`EPERM`), or `ERRNO_<n>` for a positive n no name covers. */
export function isErrno(value: unknown): value is Errno {
  if (typeof value !== "string") return false;
  if (Object.hasOwn(ERRNO_CODES, value)) return true;
  return /^ERRNO_[1-9]\d*$/.test(value) && errnoName(errnoCode(value as Errno)) === value;
}

/** EPERM or EACCES: the caller may not do this. */
export const isPermissionErrno = (errno: Errno): boolean => errno === "EPERM" || errno === "EACCES";

/** EMFILE, ENFILE or ENOMEM: out of fds or memory, which says nothing about what the kernel supports. */
export const isExhaustionErrno = (errno: Errno): boolean =>
  errno === "EMFILE" || errno === "ENFILE" || errno === "ENOMEM";

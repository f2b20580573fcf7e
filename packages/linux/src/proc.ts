import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { release } from "node:os";
import { fromThrowable } from "neverthrow";
import { requireHere } from "./bindings.js";

// The release does not change while the process runs.
let kernelRelease: string | undefined;

/**
 * What a backend on the running kernel says it is. `kernelRelease` (`uname -r`) is read when something first asks
 * (a failure's message, a profile), not here: the published build loads node:os only then, ~0.3 ms of a start-up.
 */
export function runningKernelInfo(arch: string): {
  readonly name: "linux";
  readonly kernelRelease: string;
  readonly arch: string;
} {
  return {
    name: "linux",
    get kernelRelease() {
      kernelRelease ??= release();
      return kernelRelease;
    },
    arch,
  };
}

/** What the kernel's permission checks for userfaultfd look at, as this process can read it. */
export interface PermissionEnvironment {
  /** `vm.unprivileged_userfaultfd`; `undefined` when unreadable (kernel before 5.2, masked /proc). */
  readonly unprivilegedUserfaultfd?: number;
  /** CAP_SYS_PTRACE in the effective set (`CapEff` bit 19 of `/proc/self/status`). */
  readonly capSysPtrace: boolean;
  /** Whether the process is in the initial user namespace, where the kernel checks CAP_SYS_PTRACE. */
  readonly initialUserNamespace: boolean;
  /** `Seccomp:` of `/proc/self/status`: 2 when a seccomp filter is installed; `undefined` when unreadable. */
  readonly seccompMode?: number;
}

/** The security module enforcing here: SELinux (`/sys/fs/selinux/enforce` = 1), AppArmor, or `undefined`. */
export function readSecurityModule(): "selinux" | "apparmor" | undefined {
  if (readText("/sys/fs/selinux/enforce").unwrapOr("").trim() === "1") return "selinux";
  return readText("/sys/module/apparmor/parameters/enabled").unwrapOr("").trim() === "Y"
    ? "apparmor"
    : undefined;
}

const CAP_SYS_PTRACE = 19n;

const readText = fromThrowable(
  (path: string) => readFileSync(path, "latin1"),
  () => undefined,
);

/** Reads the sysctl, the effective capabilities, the user namespace and the seccomp mode of this process. */
export function readPermissionEnvironment(): PermissionEnvironment {
  const sysctl = readText("/proc/sys/vm/unprivileged_userfaultfd").unwrapOr(undefined);
  const value = sysctl === undefined ? Number.NaN : Number.parseInt(sysctl, 10);
  const status = readText("/proc/self/status").unwrapOr("");
  const seccomp = /^Seccomp:\s*(\d)$/m.exec(status)?.[1];
  return {
    ...(Number.isInteger(value) ? { unprivilegedUserfaultfd: value } : {}),
    capSysPtrace: hasCapability(status, CAP_SYS_PTRACE),
    initialUserNamespace: isIdentityMap(readText("/proc/self/uid_map").unwrapOr("")),
    ...(seccomp === undefined ? {} : { seccompMode: Number(seccomp) }),
  };
}

const CAP_SYS_ADMIN = 21n;

// Bit `capability` of the `CapEff:` line of a /proc/<pid>/status text.
function hasCapability(status: string, capability: bigint): boolean {
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return capEff !== undefined && ((BigInt(`0x${capEff}`) >> capability) & 1n) === 1n;
}

/** What `landlock_restrict_self` checks of this thread: CAP_SYS_ADMIN (`CapEff` bit 21) and `NoNewPrivs:`. */
export function readLandlockPrivileges(): { readonly capSysAdmin: boolean; readonly noNewPrivs: boolean } {
  const status = readText("/proc/self/status").unwrapOr("");
  return {
    capSysAdmin: hasCapability(status, CAP_SYS_ADMIN),
    noNewPrivs: /^NoNewPrivs:\s*1$/m.test(status),
  };
}

const CONFIG_GZ_LIMIT = 1 << 20;
const CONFIG_LIMIT = 8 << 20;

// At most `limit` bytes of a file; `undefined` when it cannot be read.
const readBounded = fromThrowable(
  (path: string, limit: number): Buffer => {
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(limit);
      let length = 0;
      for (let got = 1; got > 0 && length < limit; length += got)
        got = readSync(fd, buffer, length, limit - length, null);
      return buffer.subarray(0, length);
    } finally {
      closeSync(fd);
    }
  },
  () => undefined,
);
// zlib is required only here: importing it at the top loads Node's stream modules on every start-up.
const gunzipBounded = fromThrowable(
  (bytes: Buffer) =>
    (requireHere()("node:zlib") as typeof import("node:zlib"))
      .gunzipSync(bytes, { maxOutputLength: CONFIG_LIMIT })
      .toString("latin1"),
  () => undefined,
);

/**
 * Whether this kernel was built with CONFIG_USERFAULTFD, from `/proc/config.gz` (bounded reads); `undefined`
 * when the file is absent or unreadable (CONFIG_IKCONFIG_PROC off, a masked /proc).
 */
export function readConfigUserfaultfd(path = "/proc/config.gz"): boolean | undefined {
  const config = readBounded(path, CONFIG_GZ_LIMIT).andThen(gunzipBounded).unwrapOr(undefined);
  if (config === undefined) return undefined;
  return /^CONFIG_USERFAULTFD=y$/m.test(config);
}

// The initial user namespace maps every uid to itself: `0 0 4294967295`.
function isIdentityMap(uidMap: string): boolean {
  const lines = uidMap.trim().split("\n");
  return lines.length === 1 && lines[0]!.trim().split(/\s+/).join(" ") === "0 0 4294967295";
}

const API_LINE = [0x41, 0x50, 0x49, 0x3a, 0x09] as const; // "API:\t"
const COLON = 0x3a;
/** Bit 31 of the fdinfo features is the kernel's internal "initialised" flag, not a feature. */
const UFFD_FEATURE_INITIALIZED = 1n << 31n;

/**
 * The enabled features in the `API:\t<api>:<features>:<ioctls>` line of a uffd's `/proc/<pid>/fdinfo/<fd>`,
 * read from its first `length` bytes, without the internal bit 31; `undefined` when there is no such line.
 */
export function parseFdinfoFeatures(bytes: Uint8Array, length: number): bigint | undefined {
  const line = indexOfLine(bytes, length);
  if (line < 0) return undefined;
  let start = line + API_LINE.length;
  while (start < length && bytes[start] !== COLON) start++;
  start++;
  let end = start;
  let value = 0;
  for (; end < length; end++) {
    const digit = hexDigit(bytes[end]!);
    if (digit < 0) break;
    value = value * 16 + digit;
  }
  if (end === start || end >= length || bytes[end] !== COLON) return undefined;
  // Up to 13 hex digits stay exact in a double; the kernel prints a 32-bit field.
  const features =
    end - start <= 13
      ? BigInt(value)
      : BigInt(`0x${Buffer.from(bytes.subarray(start, end)).toString("latin1")}`);
  return features & ~UFFD_FEATURE_INITIALIZED;
}

function indexOfLine(bytes: Uint8Array, length: number): number {
  outer: for (let at = 0; at + API_LINE.length <= length; at++) {
    if (at > 0 && bytes[at - 1] !== 0x0a) continue;
    for (let k = 0; k < API_LINE.length; k++) if (bytes[at + k] !== API_LINE[k]) continue outer;
    return at;
  }
  return -1;
}

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}

import { readFileSync } from "node:fs";
import { fromThrowable } from "neverthrow";

/** What the kernel's permission checks for userfaultfd look at, as this process can read it. */
export interface PermissionEnvironment {
  /** `vm.unprivileged_userfaultfd`; `undefined` when unreadable (kernel before 5.2, masked /proc). */
  readonly unprivilegedUserfaultfd?: number;
  /** CAP_SYS_PTRACE in the effective set (`CapEff` bit 19 of `/proc/self/status`). */
  readonly capSysPtrace: boolean;
  /** Whether the process is in the initial user namespace, where the kernel checks CAP_SYS_PTRACE. */
  readonly initialUserNamespace: boolean;
}

const CAP_SYS_PTRACE = 19n;

const readText = fromThrowable(
  (path: string) => readFileSync(path, "latin1"),
  () => undefined,
);

/** Reads the sysctl, the effective capabilities and the user namespace of this process. */
export function readPermissionEnvironment(): PermissionEnvironment {
  const sysctl = readText("/proc/sys/vm/unprivileged_userfaultfd").unwrapOr(undefined);
  const value = sysctl === undefined ? Number.NaN : Number.parseInt(sysctl, 10);
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readText("/proc/self/status").unwrapOr(""))?.[1];
  return {
    ...(Number.isInteger(value) ? { unprivilegedUserfaultfd: value } : {}),
    capSysPtrace: capEff !== undefined && ((BigInt(`0x${capEff}`) >> CAP_SYS_PTRACE) & 1n) === 1n,
    initialUserNamespace: isIdentityMap(readText("/proc/self/uid_map").unwrapOr("")),
  };
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

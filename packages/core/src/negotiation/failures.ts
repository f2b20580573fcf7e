import type { Backend, Denial, OpenMode } from "../backend/backend-port.js";
import type { FeatureName } from "../catalogue/catalogue.js";
import { type Errno, isPermissionErrno } from "../errno.js";
import {
  describeCause,
  type MissingFeature,
  type NegotiationError,
  type OpenAttempt,
  type PermissionCause,
  permissionHint,
} from "../errors.js";
import { FeatureSet, featureSetOfU64 } from "../feature-set.js";
import type { TraceEntry } from "./trace.js";

const EVENT_FORK = FeatureSet.of("EVENT_FORK").mask;

const NAMES_CACHE_LIMIT = 1024;
const NO_NAMES: readonly FeatureName[] = Object.freeze([]);
const namesCache = new Map<bigint, readonly FeatureName[]>();

/** The known names of a mask; memoised, since a process meets few distinct masks. */
export function namesOf(mask: bigint): readonly FeatureName[] {
  if (mask === 0n) return NO_NAMES;
  let names = namesCache.get(mask);
  if (!names) {
    if (namesCache.size >= NAMES_CACHE_LIMIT) namesCache.clear();
    names = Object.freeze(featureSetOfU64(mask).names());
    namesCache.set(mask, names);
  }
  return names;
}

/** The backend's explanation of a refusal, or what the refusal itself tells. */
export function causeOf(backend: Backend, denial: Denial): PermissionCause {
  if (backend.explainDenial) return backend.explainDenial(denial);
  if (denial.op === "api") {
    return (denial.features & EVENT_FORK) !== 0n
      ? { kind: "capability", capability: "CAP_SYS_PTRACE", feature: "EVENT_FORK" }
      : {
          kind: "filter",
          detail: "UFFDIO_API was refused with EPERM by something other than the kernel's own checks",
        };
  }
  switch (denial.mode) {
    case "syscall":
      return { kind: "sysctl", sysctl: "vm.unprivileged_userfaultfd" };
    case "device":
      return { kind: "device-permissions", path: "/dev/userfaultfd" };
    case "user-mode-only":
      return {
        kind: "filter",
        detail: "userfaultfd(UFFD_USER_MODE_ONLY) was refused by a seccomp filter or LSM",
      };
  }
}

/** The cause of a refused creation: a permission errno's (see `causeOf`), ENOSYS's when the backend knows it. */
export function openCauseOf(backend: Backend, mode: OpenMode, errno: Errno): PermissionCause | undefined {
  if (isPermissionErrno(errno)) return causeOf(backend, { op: "open", mode, errno });
  return errno === "ENOSYS" ? backend.explainUnavailable?.(mode) : undefined;
}

export function resourceExhausted(
  errno: Errno,
  op: "open" | "api" | "close",
  trace: readonly TraceEntry[],
): NegotiationError {
  const what =
    errno === "ENOMEM"
      ? "the kernel is out of memory"
      : errno === "EMFILE"
        ? "this process has no free fd (RLIMIT_NOFILE)"
        : "the system file table is full";
  return { kind: "resource-exhausted", errno, op, trace, message: `${op} failed with ${errno}: ${what}` };
}

/** Every open mode was refused: a permission problem if any refusal was one, else userfaultfd is unavailable. */
export function openRefused(
  attempts: readonly OpenAttempt[],
  trace: readonly TraceEntry[],
): NegotiationError {
  const tried = attempts.map(
    (attempt) =>
      `${attempt.mode}: ${attempt.errno}${attempt.cause ? ` (${describeCause(attempt.cause)})` : ""}`,
  );
  // A kernel built without userfaultfd is unsupported, not denied; every other cause is a refusal to fix.
  // An LSM refuses every mode: fixing another mode's cause would not help, so it is the one to report.
  const denied =
    attempts.find((attempt) => attempt.cause?.kind === "lsm") ??
    attempts.find((attempt) => attempt.cause !== undefined && attempt.cause.kind !== "not-built");
  if (denied?.cause) {
    return {
      kind: "permission-denied",
      errno: denied.errno,
      cause: denied.cause,
      hint: permissionHint(denied.cause),
      attempts,
      trace,
      message: `userfaultfd could not be created: ${tried.join("; ")}`,
    };
  }
  const noSyscall = attempts.every((attempt) => attempt.errno === "ENOSYS" || attempt.errno === "ENOENT");
  return {
    kind: "unsupported",
    reason: noSyscall ? "no-userfaultfd" : "open-mode",
    ...(attempts[0] ? { errno: attempts[0].errno } : {}),
    attempts,
    trace,
    message: noSyscall
      ? `this system has no userfaultfd (${tried.join("; ")})${attempts.some((attempt) => attempt.cause) ? "" : "; gVisor, rr and some emulators do not provide it"}`
      : `no allowed open mode works here: ${tried.join("; ")}`,
  };
}

export function permissionDeniedAtApi(
  backend: Backend,
  features: bigint,
  errno: Errno,
  trace: readonly TraceEntry[],
): NegotiationError {
  const cause = causeOf(backend, { op: "api", features, errno });
  return {
    kind: "permission-denied",
    errno,
    cause,
    hint: permissionHint(cause),
    attempts: [],
    trace,
    message: `UFFDIO_API was refused with ${errno}: ${describeCause(cause)}`,
  };
}

export function kernelRejected(
  errno: Errno,
  requested: bigint,
  trace: readonly TraceEntry[],
): NegotiationError {
  const names = namesOf(requested);
  const unknown = featureSetOfU64(requested).unknownBits();
  const listed = [...names, ...unknown.map((bit) => `bit ${bit}`)].join(", ") || "no features";
  return {
    kind: "kernel-rejected",
    errno,
    requested: names,
    requestedMask: requested,
    trace,
    message: `the kernel refused UFFDIO_API with ${errno} for ${listed}; ${errno === "EINVAL" ? "it does not say which bit it refused: use strategy probe (or onReject: probe) to narrow the request" : "see the trace"}`,
  };
}

/** Required features (and `oneOf` groups) this kernel does not give, in the interface's own names. */
export function missingRequired(
  iface: { namesOf(mask: bigint): readonly string[]; sinceOf(name: string): string },
  missingMask: bigint,
  droppedMask: bigint,
  unmetGroups: readonly (readonly string[])[],
  kernelRelease: string | undefined,
  trace: readonly TraceEntry[],
): NegotiationError {
  // "dropped": requested in a call the kernel accepted, yet not enabled.
  const missing: MissingFeature<string>[] = [
    ...iface.namesOf(missingMask & ~droppedMask).map((name) => ({
      name,
      since: iface.sinceOf(name),
      reason: "unsupported" as const,
    })),
    ...iface.namesOf(droppedMask).map((name) => ({
      name,
      since: iface.sinceOf(name),
      reason: "dropped" as const,
    })),
  ];
  const parts = missing.map((feature) =>
    feature.reason === "unsupported"
      ? `${feature.name} (added in ${feature.since})`
      : `${feature.name} (added in ${feature.since}; this kernel accepted the request but did not enable it)`,
  );
  for (const group of unmetGroups) parts.push(`one of ${group.join(" | ")}`);
  const kernel = kernelRelease ? `kernel ${kernelRelease}` : "this kernel";
  // The names are the interface's own: userfaultfd's `FeatureName`s for the default error type.
  return {
    kind: "missing-required",
    missing,
    unmetGroups,
    ...(kernelRelease ? { kernelRelease } : {}),
    trace,
    message: `${kernel} does not provide required ${parts.join(", ")}`,
  } as NegotiationError;
}

export function missingOptional(names: readonly string[], trace: readonly TraceEntry[]): NegotiationError {
  return {
    kind: "missing-optional",
    missing: names,
    trace,
    message: `optional features not available and the policy says onMissingOptional: error: ${names.join(", ")}`,
  } as NegotiationError;
}

export function unexpected(
  detail: string,
  errno: Errno | undefined,
  trace: readonly TraceEntry[],
): NegotiationError {
  return { kind: "unexpected", detail, ...(errno ? { errno } : {}), trace, message: `unexpected: ${detail}` };
}

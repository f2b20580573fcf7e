import { type Errno, isPermissionErrno } from "../errno.js";
import {
  describeCause,
  type NegotiationError,
  type OpenAttempt,
  type PermissionCause,
  permissionHint,
} from "../errors.js";
import type { TraceEntry } from "../negotiation/trace.js";
import type { Backend, Denial, OpenMode } from "./backend-port.js";
import { FeatureSet, featureSetOfU64 } from "./feature-set.js";

const EVENT_FORK = FeatureSet.of("EVENT_FORK").mask;

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
  const names = featureSetOfU64(requested).names();
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

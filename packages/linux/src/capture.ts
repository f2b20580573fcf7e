import {
  type Backend,
  type CapturedOutcome,
  featureBit,
  type HostProfile,
  isExhaustionErrno,
  type NegotiationError,
  type OpenAttempt,
  type OpenMode,
  probe,
  UFFD_API,
} from "@negotiate/core/engine";
import { captureLandlock, type LandlockCaptureContext } from "@negotiate/core/landlock";
import { err, ok, type Result } from "neverthrow";
import type { PermissionEnvironment } from "./proc.js";

const EVENT_FORK = featureBit("EVENT_FORK");

/** Who captured the profile, and on which kernel. */
export interface CaptureContext {
  readonly release: string;
  readonly arch: string;
  readonly uid: number;
  readonly environment: PermissionEnvironment;
  readonly capturedAt: Date;
  /** The Landlock port to capture, with what restrict_self checks of this thread; none: a version 1 profile. */
  readonly landlock?: LandlockCaptureContext;
}

/**
 * Records what `backend` offers through the port alone: the core's `probe` (each open mode, the supported set),
 * then EVENT_FORK alone on a fresh fd. Every fd opened here is closed here.
 */
export function captureHostProfile(
  backend: Backend,
  context: CaptureContext,
): Result<HostProfile, NegotiationError> {
  const landlock = context.landlock ? captureLandlock(context.landlock) : ok(undefined);
  if (landlock.isErr()) return err(landlock.error);
  const captured = landlock.value;
  const profile = (
    openModes: Record<OpenMode, CapturedOutcome>,
    api: HostProfile["api"],
    eventFork: CapturedOutcome,
  ): HostProfile => ({
    format: "negotiate-host-profile",
    version: captured ? 2 : 1,
    capturedAt: context.capturedAt.toISOString(),
    kernel: { release: context.release, arch: context.arch },
    privileges: {
      uid: context.uid,
      capSysPtrace: context.environment.capSysPtrace,
      ...(context.environment.unprivilegedUserfaultfd === undefined
        ? {}
        : { unprivilegedUserfaultfd: context.environment.unprivilegedUserfaultfd }),
    },
    api,
    openModes,
    eventFork,
    ...(captured ? { landlock: captured } : {}),
  });
  const probed = probe({ backend });
  if (probed.isErr()) {
    // No mode opens: the refusals are the profile. Running out of fds or memory says nothing about the host.
    const error = probed.error;
    if (error.kind !== "permission-denied" && error.kind !== "unsupported") return err(error);
    const [first] = error.attempts;
    return ok(profile(outcomesOf(error.attempts), { supported: 0n, ioctls: 0n }, { errno: first!.errno }));
  }
  const capabilities = probed.value;
  const openModes = outcomesOf(capabilities.openModes);
  const api = { supported: capabilities.supported.mask, ioctls: capabilities.ioctls };
  const opened = backend.open({ mode: capabilities.probedWith, closeOnExec: true, nonBlocking: true });
  if (opened.isErr()) {
    const { errno } = opened.error;
    if (isExhaustionErrno(errno)) {
      return err({
        kind: "resource-exhausted",
        errno,
        op: "open",
        message: `capture: creating a uffd failed with ${errno}; no profile recorded`,
      });
    }
    const detail = `a ${capabilities.probedWith} uffd opened once and then failed with ${errno}`;
    return err({ kind: "unexpected", errno, detail, message: `capture: ${detail}` });
  }
  const fork = backend.api(opened.value, UFFD_API, EVENT_FORK);
  backend.close(opened.value);
  return ok(profile(openModes, api, fork.isOk() ? "ok" : { errno: fork.error.errno }));
}

// Each mode's outcome: `ok`, or the errno it was refused with.
function outcomesOf(
  reports: readonly (Pick<OpenAttempt, "mode"> & Partial<Pick<OpenAttempt, "errno">>)[],
): Record<OpenMode, CapturedOutcome> {
  const outcomes = {} as Record<OpenMode, CapturedOutcome>;
  for (const { mode, errno } of reports) outcomes[mode] = errno === undefined ? "ok" : { errno };
  return outcomes;
}

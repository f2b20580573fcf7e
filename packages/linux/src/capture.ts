import type { CapturedAnswer, CapturedLandlock } from "@negotiate/core";
import {
  type Backend,
  type CapturedOutcome,
  type Errno,
  featureBit,
  type HostProfile,
  isExhaustionErrno,
  type NegotiationError,
  type OpenAttempt,
  type OpenMode,
  probe,
  type SyscallFailure,
  UFFD_API,
} from "@negotiate/core/engine";
import { LANDLOCK_CATALOGUE, type LandlockPort, landlockMasksOf } from "@negotiate/core/landlock";
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
  readonly landlock?: {
    readonly port: LandlockPort;
    readonly capSysAdmin: boolean;
    readonly noNewPrivs: boolean;
  };
}

// A fd number no process has open (above any RLIMIT_NOFILE the kernel allows): restrict_self on it can only
// fail, with EPERM (no privilege), EINVAL (an unknown flag) or EBADF (a known one).
const NEVER_OPEN_FD = 0x7fff_ffff;

const answerOf = <Value>(result: Result<Value, SyscallFailure>): CapturedAnswer<Value> =>
  result.isOk() ? { value: result.value } : { errno: result.error.errno };

const exhausted = (errno: Errno): NegotiationError => ({
  kind: "resource-exhausted",
  errno,
  op: "open",
  message: `capture: creating a Landlock ruleset failed with ${errno}; no profile recorded`,
});

/**
 * Records Landlock as this process meets it (see `CapturedLandlock`): the VERSION and ERRATA queries, each fs,
 * net and scope right handled alone by a ruleset closed at once, each restrict flag on a fd that is not open.
 * Nothing is restricted. Errors: `resource-exhausted` when a ruleset cannot be created for want of fds or
 * memory (that says nothing about the host).
 */
export function captureLandlock(
  context: NonNullable<CaptureContext["landlock"]>,
): Result<CapturedLandlock, NegotiationError> {
  const { port, capSysAdmin, noNewPrivs } = context;
  const version = answerOf(port.abiVersion());
  const errata = answerOf(port.errata());
  const rights: Record<string, CapturedOutcome> = {};
  const restrictFlags: Record<string, CapturedOutcome> = {};
  if ("value" in version) {
    for (const entry of LANDLOCK_CATALOGUE) {
      const masks = landlockMasksOf([entry.name])._unsafeUnwrap();
      if (entry.group === "restrict") {
        const refused = port.restrictSelf(NEVER_OPEN_FD, masks.restrict);
        restrictFlags[entry.name] = refused.isOk() ? "ok" : { errno: refused.error.errno };
      } else if (entry.group !== "rule") {
        const created = port.createRuleset({
          handledAccessFs: masks.fs,
          handledAccessNet: masks.net,
          scoped: masks.scope,
        });
        if (created.isErr() && isExhaustionErrno(created.error.errno))
          return err(exhausted(created.error.errno));
        if (created.isOk()) port.close(created.value);
        rights[entry.name] = created.isOk() ? "ok" : { errno: created.error.errno };
      }
    }
  }
  return ok({ version, errata, rights, restrictFlags, capSysAdmin, noNewPrivs });
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

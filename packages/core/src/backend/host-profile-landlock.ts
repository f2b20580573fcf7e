import { err, ok, type Result } from "neverthrow";
import { type Errno, isExhaustionErrno } from "../errno.js";
import type { NegotiationError } from "../errors.js";
import { LANDLOCK_CATALOGUE } from "../landlock/landlock-catalogue.js";
import { landlockMasksOf } from "../landlock/landlock-lookup.js";
import type { LandlockPort } from "../landlock/landlock-port.js";
import type { SyscallFailure } from "../userfaultfd/backend-port.js";
import type { CapturedAnswer, CapturedLandlock, CapturedOutcome } from "./host-profile.js";

/** A Landlock port to capture, with what restrict_self checks of the calling thread. */
export interface LandlockCaptureContext {
  readonly port: LandlockPort;
  /** CAP_SYS_ADMIN in the thread's user namespace. */
  readonly capSysAdmin: boolean;
  /** no_new_privs already set on the thread. */
  readonly noNewPrivs: boolean;
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
export function captureLandlock(context: LandlockCaptureContext): Result<CapturedLandlock, NegotiationError> {
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

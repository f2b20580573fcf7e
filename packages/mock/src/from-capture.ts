import {
  type CapturedOutcome,
  type HostProfile,
  OPEN_MODES,
  type OpenMode,
  type PermissionCause,
  parseKernelRelease,
} from "@negotiate/core/engine";
import { type KernelBehaviour, kernelBehaviour } from "./kernel-behaviour.js";
import {
  DEVICE_DENIED,
  type KernelModel,
  knownFeatures,
  OLDEST,
  type OpenRule,
  sysctlRefusal,
} from "./simulated-kernel.js";

interface Captured {
  readonly behaviour: KernelBehaviour;
  readonly privileges: HostProfile["privileges"];
}

// A capture records only the errno; the cause follows from what else it recorded, as on the real host.
function causeOf(
  mode: OpenMode,
  outcome: { readonly errno: string },
  host: Captured,
): PermissionCause | undefined {
  switch (mode) {
    case "device":
      if (outcome.errno === "EACCES") return DEVICE_DENIED;
      if (outcome.errno === "EPERM")
        return { kind: "filter", detail: "an LSM refused opening /dev/userfaultfd" };
      return undefined;
    case "syscall":
    case "user-mode-only": {
      if (outcome.errno !== "EPERM") return undefined;
      const { capSysPtrace, unprivilegedUserfaultfd } = host.privileges;
      return (
        sysctlRefusal(host.behaviour, mode === "user-mode-only", capSysPtrace, unprivilegedUserfaultfd) ?? {
          kind: "filter",
          detail:
            "a seccomp filter or LSM denied the userfaultfd syscall (the sysctl and capabilities allowed it)",
        }
      );
    }
  }
}

function ruleOf(mode: OpenMode, outcome: CapturedOutcome, host: Captured): OpenRule {
  const path = mode === "device" ? "device-file" : "syscall";
  if (outcome === "ok") return { path };
  const cause = causeOf(mode, outcome, host);
  return { path, refusal: { errno: outcome.errno, ...(cause ? { cause } : {}) } };
}

/**
 * The model of a captured host: its supported set, ioctls, open outcomes and EVENT_FORK outcome exactly as
 * recorded; the rest of `UFFDIO_API`'s behaviour (unknown bits, repeated calls) from its release.
 */
export function modelFromCapture(profile: HostProfile): KernelModel {
  const version = parseKernelRelease(profile.kernel.release).unwrapOr(OLDEST);
  const behaviour = kernelBehaviour(version);
  const host: Captured = { behaviour, privileges: profile.privileges };
  const { supported, ioctls } = profile.api;
  const fork = profile.eventFork;
  return {
    release: profile.kernel.release,
    arch: profile.kernel.arch,
    simulating: `simulating uid ${profile.privileges.uid}${profile.privileges.capSysPtrace ? " with" : " without"} CAP_SYS_PTRACE on ${profile.kernel.release} (${profile.kernel.arch}, replayed capture)`,
    warnings: [],
    behaviour,
    known: knownFeatures(version) | supported,
    supported,
    ioctls,
    forkAllowed:
      fork === "ok" ||
      (fork.errno !== "EPERM" && (profile.privileges.capSysPtrace || !behaviour.eventForkNeedsPtrace)),
    opens: Object.fromEntries(
      OPEN_MODES.map((mode) => [mode, ruleOf(mode, profile.openModes[mode], host)]),
    ) as Record<OpenMode, OpenRule>,
    fdLimit: Number.POSITIVE_INFINITY,
    faults: [],
  };
}

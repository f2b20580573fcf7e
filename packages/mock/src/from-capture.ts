import {
  type CapturedOutcome,
  type HostProfile,
  OPEN_MODES,
  type OpenMode,
  type PermissionCause,
  parseKernelRelease,
} from "@negotiate/core/engine";
import {
  EMPTY_LANDLOCK_MASKS,
  landlockAbiOfRelease,
  landlockMasksOf,
  NEWEST_LANDLOCK_ABI,
} from "@negotiate/core/landlock";
import { type KernelBehaviour, kernelBehaviour } from "./kernel-behaviour.js";
import { LANDLOCK_ARCHES, type LandlockMockArch } from "./landlock/landlock-arches.js";
import { type LandlockKernelModel, landlockModelOf } from "./landlock/landlock-kernel-model.js";
import type { KernelRelease } from "./mock-options.js";
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

/**
 * The Landlock model of a captured host (a version 2 profile): the refusal, ABI, errata and the rights and
 * restrict flags exactly as recorded, with its privileges; the check order and layer limit from the mainline
 * release of its ABI (a vendor kernel's ABI counts, as for RHEL). `undefined` for a profile without Landlock.
 */
export function landlockModelFromCapture(profile: HostProfile): LandlockKernelModel | undefined {
  const captured = profile.landlock;
  if (!captured) return undefined;
  const { version, errata } = captured;
  const abi = "value" in version ? Math.min(version.value, NEWEST_LANDLOCK_ABI) : 0;
  const release = parseKernelRelease(profile.kernel.release).unwrapOr(OLDEST);
  const arch = profile.kernel.arch;
  const model = landlockModelOf({
    kernel: profile.kernel.release as KernelRelease,
    ...(Object.hasOwn(LANDLOCK_ARCHES, arch) ? { arch: arch as LandlockMockArch } : {}),
    capSysAdmin: captured.capSysAdmin,
    noNewPrivs: captured.noNewPrivs,
    ...(abi > 0 && abi !== landlockAbiOfRelease(release) ? { quirks: { abi } } : {}),
    ...(abi > 0 ? { build: "built" as const } : {}),
    ...("errno" in version ? { filter: version.errno } : {}),
  });
  const accepted = (outcomes: Readonly<Record<string, CapturedOutcome>>, known: (errno: string) => boolean) =>
    Object.entries(outcomes).flatMap(([name, outcome]) =>
      outcome === "ok" || known(outcome.errno) ? [name] : [],
    );
  const rights = landlockMasksOf(accepted(captured.rights, () => false)).unwrapOr(EMPTY_LANDLOCK_MASKS);
  // EBADF on a fd that is not open: the flag passed the flag check. EPERM: the capture could not ask.
  const flagOutcomes = Object.values(captured.restrictFlags);
  const flags = flagOutcomes.some((outcome) => outcome !== "ok" && outcome.errno === "EPERM")
    ? model.known.restrict
    : landlockMasksOf(accepted(captured.restrictFlags, (errno) => errno === "EBADF")).unwrapOr(
        EMPTY_LANDLOCK_MASKS,
      ).restrict;
  const { errata: _fromRelease, ...rest } = model;
  return {
    ...rest,
    simulating: `${model.simulating} (replayed capture, uid ${profile.privileges.uid})`,
    abi,
    known: { ...model.known, fs: rights.fs, net: rights.net, scope: rights.scope, restrict: flags },
    ...("value" in errata ? { errata: errata.value } : {}),
  };
}

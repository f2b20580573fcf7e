import {
  catalogue,
  type Errno,
  featureBit,
  type KernelVersion,
  kernelAtLeast,
  type OpenMode,
  type PermissionCause,
  parseKernelRelease,
} from "@negotiate/core/engine";
import { maskedByBuild } from "./arch-support.js";
import { defaultUnprivilegedUserfaultfd, type KernelBehaviour, kernelBehaviour } from "./kernel-behaviour.js";
import type { DeviceAccess, InjectedFault, KernelQuirks, MockOptions } from "./mock-options.js";

/** A refused creation, with its true cause when it is a permission refusal. */
export interface Refusal {
  readonly errno: Errno;
  readonly cause?: PermissionCause;
}

/**
 * How creating a uffd in one mode goes. `syscall`: every refusal comes before a fd is allocated.
 * `device-file`: `open()` takes a fd first (EMFILE before ENOENT/EACCES), then `USERFAULTFD_IOC_NEW` a second.
 */
export interface OpenRule {
  readonly path: "syscall" | "device-file";
  readonly refusal?: Refusal;
}

/** Everything a simulated kernel needs, resolved once from options or from a captured profile. */
export interface KernelModel {
  readonly release: string;
  readonly arch: string;
  readonly behaviour: KernelBehaviour;
  /** Every bit this release's `UFFDIO_API` knows (its `UFFD_API_FEATURES`). */
  readonly known: bigint;
  /** The set `UFFDIO_API` returns: `known` minus what the build or architecture masks. */
  readonly supported: bigint;
  /** The `ioctls` a successful `UFFDIO_API` returns. */
  readonly ioctls: bigint;
  /** EVENT_FORK passes the capability check. */
  readonly forkAllowed: boolean;
  readonly opens: Readonly<Record<OpenMode, OpenRule>>;
  readonly fdLimit: number;
  readonly faults: readonly InjectedFault[];
}

/** `_UFFDIO_API` (63), `_UFFDIO_REGISTER` (0), `_UFFDIO_UNREGISTER` (1): the same on every release. */
const BASE_IOCTLS = 0x8000000000000003n;

const DEVICE_PATH = "/dev/userfaultfd";
/** What a release that does not parse stands for: older than every change of reference §2. */
export const OLDEST: KernelVersion = { major: 0, minor: 0, patch: 0 };

/** The feature bits a release knows, from the catalogue's `since`. */
export function knownFeatures(version: KernelVersion): bigint {
  let known = 0n;
  for (const entry of catalogue) if (kernelAtLeast(version, entry.since)) known |= featureBit(entry.name);
  return known;
}

/** The release's behaviour with a vendor kernel's quirks applied. */
function behaviourWithQuirks(version: KernelVersion, quirks: KernelQuirks = {}): KernelBehaviour {
  const behaviour = kernelBehaviour(version);
  return {
    ...behaviour,
    ...(quirks.dropsUnknownBits === undefined ? {} : { dropsUnknownBits: quirks.dropsUnknownBits }),
    ...(quirks.acceptsMaskedBits === undefined ? {} : { rejectsMaskedBits: !quirks.acceptsMaskedBits }),
  };
}

interface Environment {
  readonly behaviour: KernelBehaviour;
  readonly capSysPtrace: boolean;
  readonly sysctl: 0 | 1 | undefined;
  readonly device: DeviceAccess;
  readonly seccomp: boolean;
  readonly sandbox: boolean;
}

const SECCOMP: PermissionCause = {
  kind: "filter",
  detail: "a seccomp filter denies the userfaultfd syscall with EPERM (Docker's default profile does)",
};

/**
 * Why userfaultfd(2) is refused by `vm.unprivileged_userfaultfd`, if it is: the sysctl at 0 and no
 * CAP_SYS_PTRACE, unless the call asks for UFFD_USER_MODE_ONLY on a release that exempts it.
 */
export function sysctlRefusal(
  behaviour: KernelBehaviour,
  userModeOnly: boolean,
  capSysPtrace: boolean,
  sysctl: number | undefined,
): PermissionCause | undefined {
  const exempt = userModeOnly && behaviour.userModeOnly;
  return !exempt && !capSysPtrace && sysctl === 0
    ? { kind: "sysctl", sysctl: "vm.unprivileged_userfaultfd", value: 0 }
    : undefined;
}

/** `/dev/userfaultfd` exists but this user may not open it. */
export const DEVICE_DENIED: PermissionCause = { kind: "device-permissions", path: DEVICE_PATH };

// userfaultfd(2) in the kernel's order: seccomp runs before the syscall; the permission check precedes the
// flag check, so on 5.2–5.10 an unprivileged UFFD_USER_MODE_ONLY call with the sysctl at 0 is EPERM, not EINVAL.
function syscallRule(env: Environment, userModeOnly: boolean): OpenRule {
  const { behaviour } = env;
  const refuse = (refusal: Refusal): OpenRule => ({ path: "syscall", refusal });
  if (env.seccomp) return refuse({ errno: "EPERM", cause: SECCOMP });
  if (env.sandbox || !behaviour.userfaultfd) return refuse({ errno: "ENOSYS" });
  const sysctl = sysctlRefusal(behaviour, userModeOnly, env.capSysPtrace, env.sysctl);
  if (sysctl) return refuse({ errno: "EPERM", cause: sysctl });
  if (userModeOnly && !behaviour.userModeOnly) return refuse({ errno: "EINVAL" });
  return { path: "syscall" };
}

function deviceRule(env: Environment): OpenRule {
  if (env.sandbox || env.device === "absent") return { path: "device-file", refusal: { errno: "ENOENT" } };
  if (env.device === "denied") {
    return { path: "device-file", refusal: { errno: "EACCES", cause: DEVICE_DENIED } };
  }
  return { path: "device-file" };
}

/** The model of typed options. Total: contradictions are resolved as the kernel would (see `MockBackend`). */
export function modelFromOptions(options: MockOptions): KernelModel {
  const version = parseKernelRelease(options.kernel).unwrapOr(OLDEST);
  const arch = options.arch ?? "x86_64";
  const behaviour = behaviourWithQuirks(version, options.quirks);
  const capSysPtrace = options.capSysPtrace ?? false;
  const known = knownFeatures(version);
  const env: Environment = {
    behaviour,
    capSysPtrace,
    sysctl: behaviour.unprivilegedSysctl
      ? (options.unprivilegedUserfaultfd ?? defaultUnprivilegedUserfaultfd(behaviour))
      : undefined,
    device: behaviour.deviceNode ? (options.device ?? (capSysPtrace ? "ok" : "denied")) : "absent",
    seccomp: options.seccomp ?? false,
    sandbox: options.sandbox ?? false,
  };
  return {
    release: options.kernel,
    arch,
    behaviour,
    known,
    supported: known & ~maskedByBuild(arch, version, options.cpuExtensions ?? []),
    ioctls: BASE_IOCTLS,
    forkAllowed: capSysPtrace || !behaviour.eventForkNeedsPtrace,
    opens: {
      syscall: syscallRule(env, false),
      device: deviceRule(env),
      "user-mode-only": syscallRule(env, true),
    },
    fdLimit: options.fdLimit ?? Number.POSITIVE_INFINITY,
    faults: options.faults ?? [],
  };
}

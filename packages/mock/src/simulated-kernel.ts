import {
  archDefinition,
  catalogue,
  compareKernelVersions,
  type Errno,
  featureBit,
  type KernelVersion,
  kernelAtLeast,
  type OpenMode,
  type PermissionCause,
  parseKernelRelease,
} from "@negotiate/core/engine";
import { maskedByBuild } from "./arch-support.js";
import { atKey, type DistroProfile, distroOf } from "./distro-profiles.js";
import { defaultUnprivilegedUserfaultfd, type KernelBehaviour, kernelBehaviour } from "./kernel-behaviour.js";
import {
  DEFAULT_CALLER,
  type DeviceAccess,
  type InjectedFault,
  type KernelQuirks,
  type MockOptions,
} from "./mock-options.js";

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
  readonly distro?: DistroProfile;
  /** `simulating <caller> on <release> (<arch>[, <distro>])`. */
  readonly simulating: string;
  readonly warnings: readonly string[];
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
  /** The syscall exists: the release and the arch have it, and the build has CONFIG_USERFAULTFD. */
  readonly built: boolean;
  readonly configUserfaultfd: boolean;
  readonly capSysPtrace: boolean;
  readonly sysctl: 0 | 1 | undefined;
  readonly device: DeviceAccess;
  readonly seccomp: "EPERM" | "ENOSYS" | undefined;
  readonly lsm: "selinux" | "apparmor" | undefined;
  readonly sandbox: boolean;
}

const SECCOMP: PermissionCause = {
  kind: "filter",
  detail: "a seccomp filter denies the userfaultfd syscall with EPERM (Docker's default profile does)",
};
const SECCOMP_ENOSYS: PermissionCause = {
  kind: "seccomp-enosys",
  detail: "a seccomp filter answers ENOSYS for the userfaultfd syscall, as if the kernel had none",
};
const NOT_BUILT: PermissionCause = {
  kind: "not-built",
  config: "CONFIG_USERFAULTFD",
  detail: "this kernel was built without CONFIG_USERFAULTFD: its release has userfaultfd, its build does not",
};
const lsmCause = (lsm: "selinux" | "apparmor"): PermissionCause => ({
  kind: "lsm",
  lsm,
  detail:
    lsm === "selinux"
      ? "SELinux denies this domain creating userfaultfd_t anon inodes"
      : "AppArmor denies this profile userfaultfd",
});

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
// The LSM hook runs when the anon inode is created, after the syscall's own checks.
function syscallRule(env: Environment, userModeOnly: boolean): OpenRule {
  const { behaviour } = env;
  const refuse = (refusal: Refusal): OpenRule => ({ path: "syscall", refusal });
  if (env.seccomp === "EPERM") return refuse({ errno: "EPERM", cause: SECCOMP });
  if (env.seccomp === "ENOSYS") return refuse({ errno: "ENOSYS", cause: SECCOMP_ENOSYS });
  if (env.sandbox || !env.built) {
    const notBuilt = !env.sandbox && behaviour.userfaultfd && !env.configUserfaultfd;
    return refuse({ errno: "ENOSYS", ...(notBuilt ? { cause: NOT_BUILT } : {}) });
  }
  const sysctl = sysctlRefusal(behaviour, userModeOnly, env.capSysPtrace, env.sysctl);
  if (sysctl) return refuse({ errno: "EPERM", cause: sysctl });
  if (userModeOnly && !behaviour.userModeOnly) return refuse({ errno: "EINVAL" });
  if (env.lsm) return refuse({ errno: "EACCES", cause: lsmCause(env.lsm) });
  return { path: "syscall" };
}

function deviceRule(env: Environment): OpenRule {
  if (env.sandbox || !env.built || env.device === "absent") {
    return { path: "device-file", refusal: { errno: "ENOENT" } };
  }
  if (env.device === "denied") {
    return { path: "device-file", refusal: { errno: "EACCES", cause: DEVICE_DENIED } };
  }
  if (env.lsm) return { path: "device-file", refusal: { errno: "EACCES", cause: lsmCause(env.lsm) } };
  return { path: "device-file" };
}

/** A release string resolved to what the mock simulates: versions, the distro profile, what was assumed. */
export interface ResolvedRelease {
  /** The version whose behaviour rows apply (a vendor's `x.y.0-ABI` at its stable patch level). */
  readonly version: KernelVersion;
  /** The version whose feature bits (and their build masking) apply: later than `version` with backports. */
  readonly features: KernelVersion;
  readonly distro?: DistroProfile;
  /** The profile's key (ABI number or minor release), 0 without one. */
  readonly key: number;
  readonly warnings: readonly string[];
}

/** Resolves a release (assumed to parse, else `OLDEST`) through the distro profiles. */
export function resolveRelease(release: string): ResolvedRelease {
  const parsed = parseKernelRelease(release).unwrapOr(OLDEST);
  const found = distroOf(release);
  if (!found) {
    const suffix = release.trim().replace(/^\d+\.\d+(?:\.\d+)?/, "");
    const warnings =
      suffix === ""
        ? []
        : [
            `unknown vendor kernel ${JSON.stringify(release)}: no distro profile matches its suffix ${JSON.stringify(suffix)}, so the mock simulates mainline ${parsed.major}.${parsed.minor}.${parsed.patch} without the vendor's backports`,
          ];
    return { version: parsed, features: parsed, key: 0, warnings };
  }
  const { profile, key } = found;
  const patch = parsed.patch === 0 ? (atKey(profile.stablePatch, key) ?? 0) : parsed.patch;
  const version = { ...parsed, patch };
  const asOf = atKey(profile.featuresAsOf, key);
  const backported = asOf === undefined ? version : parseKernelRelease(asOf).unwrapOr(version);
  const features = compareKernelVersions(backported, version) > 0 ? backported : version;
  return { version, features, distro: profile, key, warnings: [] };
}

/** Who the options simulate: `DEFAULT_CALLER` unless they grant CAP_SYS_PTRACE. */
export function callerOf(options: Pick<MockOptions, "capSysPtrace" | "seccomp">): string {
  const who = options.capSysPtrace ? "root with CAP_SYS_PTRACE" : DEFAULT_CALLER;
  return options.seccomp ? `${who} under a seccomp filter` : who;
}

/** The model of typed options. Total: contradictions are resolved as the kernel would (see `MockBackend`). */
export function modelFromOptions(options: MockOptions): KernelModel {
  const resolved = resolveRelease(options.kernel);
  const { version, distro } = resolved;
  const arch = options.arch ?? "x86_64";
  const behaviour = behaviourWithQuirks(version, { ...distro?.quirks, ...options.quirks });
  const capSysPtrace = options.capSysPtrace ?? false;
  const known = knownFeatures(resolved.features);
  const configUserfaultfd = options.configUserfaultfd ?? distro?.configUserfaultfd ?? true;
  const profileLsm =
    distro?.lsmDenial && resolved.key >= distro.lsmDenial.from ? distro.lsmDenial.value : undefined;
  const env: Environment = {
    behaviour,
    built: behaviour.userfaultfd && configUserfaultfd && kernelAtLeast(version, archDefinition(arch).since),
    configUserfaultfd,
    lsm: options.lsmDenial ?? profileLsm,
    capSysPtrace,
    sysctl: behaviour.unprivilegedSysctl
      ? (options.unprivilegedUserfaultfd ?? defaultUnprivilegedUserfaultfd(behaviour))
      : undefined,
    device: behaviour.deviceNode ? (options.device ?? (capSysPtrace ? "ok" : "denied")) : "absent",
    seccomp: options.seccomp ? (options.seccompErrno ?? "EPERM") : undefined,
    sandbox: options.sandbox ?? false,
  };
  return {
    release: options.kernel,
    arch,
    ...(distro ? { distro } : {}),
    simulating: `simulating ${callerOf(options)} on ${options.kernel} (${arch}${distro ? `, ${distro.name}` : ""})`,
    warnings: resolved.warnings,
    behaviour,
    known,
    supported: known & ~maskedByBuild(arch, resolved.features, options.cpuExtensions ?? []),
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

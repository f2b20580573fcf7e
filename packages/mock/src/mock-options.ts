import {
  ARCH_NAMES,
  type ArchName,
  type Backend,
  type BackendInfo,
  type CpuExtension,
  type Denial,
  type Errno,
  type HostProfile,
  type OpenMode,
  type PermissionCause,
  type SyscallFailure,
} from "@negotiate/core/engine";
import type { Result } from "neverthrow";

/** The architectures the mock simulates (the core's arch table): x86_64, i386, arm64, arm, riscv64, ppc64le, s390x, loongarch64. */
export const MOCK_ARCHES: readonly ArchName[] = ARCH_NAMES;
export type MockArch = ArchName;

/**
 * The newest release the mock models: 7.0–7.2 behave as 6.19, since a 7.3-rc tree still advertises bits 0–16
 * (docs/kernel-sources.md §4). Newer ones are refused (`createMockBackend`: `invalid-option`; `mockBackend`:
 * TypeError) rather than simulated as a kernel with every feature.
 */
export const NEWEST_MODELLED_RELEASE = "7.2";

/**
 * The caller the mock simulates unless told otherwise, in the library and in the CLI alike: uid ≠ 0 without
 * CAP_SYS_PTRACE, `vm.unprivileged_userfaultfd` at the release's default, `/dev/userfaultfd` 0600 root.
 * An app's tests should not pass on privileges production may lack; ask for root with `capSysPtrace: true`.
 */
export const DEFAULT_CALLER = "uid≠0 without CAP_SYS_PTRACE";

/**
 * What `open("/dev/userfaultfd")` finds.
 * - `absent`: no node (kernels before 6.1, most containers): ENOENT.
 * - `denied`: the node exists but the caller may not read and write it (the default mode 0600 root): EACCES.
 * - `ok`: the caller may open it.
 */
export type DeviceAccess = "absent" | "denied" | "ok";

/** Vendor kernels that carry (or lack) a behaviour change regardless of their release number. */
export interface KernelQuirks {
  /** Unknown feature bits are silently dropped and the api value is not checked (mainline 6.0.y, 6.1.0–6.1.25, 6.2.0–6.2.12). Default: by release. */
  readonly dropsUnknownBits?: boolean;
  /**
   * A requested bit that the build or architecture masks is accepted silently (mainline 5.7 until the 6.10
   * fix and its stable backports). `true` also keeps the pre-fix order of checks: unknown bits are refused
   * before the EVENT_FORK capability check. Default: by release.
   */
  readonly acceptsMaskedBits?: boolean;
}

/** An errno returned by the Nth call (1-based, counted per operation over the backend's life) instead of the simulated outcome. */
export interface InjectedFault {
  readonly op: "open" | "api" | "close";
  readonly call: number;
  readonly errno: Errno;
}

/**
 * A kernel release with its patch level: `6.1.25`, `6.8.0-45-generic`, `5.15` (patch 0). Vendor suffixes are
 * kept in `info.kernelRelease` and otherwise ignored.
 */
export type KernelRelease =
  | `${number}.${number}`
  | `${number}.${number}.${number}`
  | `${number}.${number}.${number}${string}`;

/**
 * The environment a mock backend simulates. Only `kernel` is required; every other field defaults to what
 * that release does for an unprivileged process outside any container.
 */
export interface MockOptions {
  /**
   * The release to simulate, with patch level (6.1.25 and 6.1.26 behave differently), up to
   * `NEWEST_MODELLED_RELEASE`. A distro's `uname -r` (`5.14.0-611.5.1.el9_7.x86_64`, `6.8.0-45-generic`,
   * `6.12.18-talos`) selects that distro's profile (`MOCK_DISTROS`: backports, config, defaults, LSM); any other
   * vendor suffix simulates the mainline release and says so in `info.warnings`.
   */
  readonly kernel: KernelRelease;
  /** Default `x86_64`. Decides which build-dependent features are masked (uffd-wp, minor faults, PTE markers). */
  readonly arch?: MockArch;
  /**
   * The caller holds CAP_SYS_PTRACE in the initial user namespace (and is taken to be root for the device
   * node's default). Default `false`: see `DEFAULT_CALLER`.
   */
  readonly capSysPtrace?: boolean;
  /**
   * `vm.unprivileged_userfaultfd` (0 or 1). Default by release: 1 from 5.2, 0 from 5.11; the sysctl does not
   * exist before 5.2 (giving it there is a `conflicting-options` error for `createMockBackend`, ignored by `mockBackend`).
   */
  readonly unprivilegedUserfaultfd?: 0 | 1;
  /**
   * `/dev/userfaultfd`. Default: `absent` before 6.1; from 6.1 `ok` for a CAP_SYS_PTRACE holder (taken to be
   * root) and `denied` otherwise. Before 6.1 only `absent` is possible (`createMockBackend`: `conflicting-options`;
   * `mockBackend`: treated as `absent`).
   */
  readonly device?: DeviceAccess;
  /**
   * A seccomp filter denies the `userfaultfd` syscall with EPERM whatever the privileges (Docker's default
   * profile). It applies to the `syscall` and `user-mode-only` modes only: opening `/dev/userfaultfd` is a file
   * open and its `USERFAULTFD_IOC_NEW` an ioctl, which Docker's profile allows (Docker simply has no such node
   * in a container by default: see the `docker-default` scenario). Default `false`.
   */
  readonly seccomp?: boolean;
  /** The errno the seccomp filter answers: `EPERM` (default, Docker's) or `ENOSYS` (filters that pretend the syscall does not exist). */
  readonly seccompErrno?: "EPERM" | "ENOSYS";
  /** A security module denies creating the uffd in every mode (EACCES), whatever the privileges. Default: the distro profile's, else none. */
  readonly lsmDenial?: "selinux" | "apparmor";
  /** The kernel was built with CONFIG_USERFAULTFD. `false`: ENOSYS in every syscall mode, no device node. Default: the distro profile's, else `true`. */
  readonly configUserfaultfd?: boolean;
  /** A sandbox without userfaultfd (gVisor): the syscall answers ENOSYS and there is no device node (ENOENT). Default `false`. */
  readonly sandbox?: boolean;
  /**
   * How many fds the simulated process may still open (RLIMIT_NOFILE minus what it already holds); past it,
   * creation fails with EMFILE. The `device` mode holds two fds while it creates a uffd. Default: no limit.
   */
  readonly fdLimit?: number;
  /** Overrides of release-derived behaviour, for vendor kernels with backports. Default none. */
  readonly quirks?: KernelQuirks;
  /** CPU extensions present (riscv64 offers uffd-wp only with Svrsw60t59b). Default none. */
  readonly cpuExtensions?: readonly CpuExtension[];
  /** Errnos injected at given calls, for testing error paths. Default none. */
  readonly faults?: readonly InjectedFault[];
}

/**
 * Why options given at run time (a CLI flag, a JSON file) do not describe a simulatable environment.
 * - `invalid-option`: a field has a value outside its type (`kernel: "7.x.y"`, `arch: "sparc"`).
 * - `conflicting-options`: each value is valid but this kernel cannot have it (`device: "ok"` on 5.10).
 */
export type MockOptionsError =
  | {
      readonly kind: "invalid-option";
      readonly field: string;
      readonly value: unknown;
      readonly expected: string;
      readonly message: string;
    }
  | {
      readonly kind: "conflicting-options";
      readonly field: string;
      readonly value: unknown;
      readonly reason: string;
      readonly message: string;
    };

/** How many times each port operation was called, whatever its outcome. */
export interface MockCallCounts {
  readonly open: number;
  readonly api: number;
  readonly close: number;
}

/** What a mock backend says about itself. */
export interface MockBackendInfo extends BackendInfo {
  readonly name: "mock";
  readonly kernelRelease: string;
  readonly arch: string;
  /** The distro profile the release resolved to (`rhel-9`), if any. */
  readonly distro?: string;
  /** Who is simulated, where: `simulating uid≠0 without CAP_SYS_PTRACE on 6.8` (printed by the CLI on every mock line). */
  readonly simulating: string;
  /** What the simulation had to assume: an unknown vendor suffix simulated as its mainline release. */
  readonly warnings: readonly string[];
}

/**
 * A simulated kernel behind the core's backend port: every behaviour of the userfaultfd reference §1–§3 for
 * the configured release, architecture and environment, with per-fd state exactly as the kernel keeps it.
 *
 * Unless told otherwise it simulates `DEFAULT_CALLER`: uid ≠ 0 without CAP_SYS_PTRACE, the sysctl at the
 * release's default. Two ways to build one:
 * - `mockBackend(options)`: for typed options written in code. Values the types allow but the kernel
 *   contradicts are resolved as that kernel would (no device node before 6.1, no sysctl before 5.2). A field
 *   outside its type (a missing or unparseable `kernel` such as "banana", "v6.8" or "6", a release newer than
 *   `NEWEST_MODELLED_RELEASE`, an unknown arch) throws a TypeError naming the field and the value: the only
 *   exception it throws.
 * - `createMockBackend(input)`: for untrusted input (CLI flags, JSON); never throws. Every field is checked
 *   and a bad one comes back as a `MockOptionsError` naming the field and the value.
 * `mockBackend.fromCapture(profile)` replays a `HostProfile` captured on a real host.
 */
export interface MockBackend extends Backend {
  readonly info: MockBackendInfo;
  /** Calls made so far, per operation. */
  readonly counts: MockCallCounts;
  /** The fds open now, ascending: after a test closes everything it opened, empty. */
  openFds(): readonly number[];
  /**
   * What is enabled on a fd, as `/proc/<pid>/fdinfo/<fd>` shows it (without the internal bit 31): 0 before a
   * successful `UFFDIO_API`. On 5.7–6.9 kernels this may include a requested bit the build masks (accepted
   * silently), and on 6.0–6.2.12 kernels requested known bits (unknown ones were dropped). Errors: EBADF.
   */
  enabledFeatures(fd: number): Result<bigint, SyscallFailure>;
  /**
   * The true cause of an EPERM/EACCES this backend returned: `sysctl` (with its value), `capability`
   * (EVENT_FORK without CAP_SYS_PTRACE), `device-permissions`, or `filter` (seccomp, or an injected fault).
   */
  explainDenial(denial: Denial): PermissionCause;
  /** Why a creation answered ENOSYS: `not-built`, `seccomp-enosys`, or `undefined` (sandbox, pre-4.3 kernel). */
  explainUnavailable(mode: OpenMode): PermissionCause | undefined;
}

/** `mockBackend`: a simulated kernel from typed options, or from a profile captured on a real host. */
export interface MockBackendFactory {
  /** A simulated kernel for typed options (see `MockBackend` for how contradictions resolve). Throws: TypeError for a field outside its type. */
  (options: MockOptions): MockBackend;
  /**
   * Replays a host profile (read one with the core's `decodeHostProfile`, which validates it): its supported
   * set, ioctls, open-mode outcomes and EVENT_FORK outcome exactly as captured; unknown bits and repeated calls
   * as its release behaves; permission causes inferred from the recorded privileges and sysctl. Never fails:
   * as for options, a release that does not parse (only a hand-built profile has one) behaves as a kernel older
   * than every change of reference §2, here in its `UFFDIO_API` checks (the recorded outcomes still replay).
   */
  fromCapture(profile: HostProfile): MockBackend;
}

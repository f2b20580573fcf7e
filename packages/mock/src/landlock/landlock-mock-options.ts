import type { Errno, SyscallFailure } from "@negotiate/core/engine";
import type { LandlockPort, LandlockPortInfo } from "@negotiate/core/landlock";
import type { Result } from "neverthrow";
import type { KernelRelease, MockArch } from "../mock-options.js";

/**
 * How Landlock is present in the simulated kernel.
 * - `built`: CONFIG_SECURITY_LANDLOCK=y and landlock in the active LSM list: the calls work (5.13 and later).
 * - `not-built`: not configured, or a kernel before 5.13, or a sandbox without it (gVisor): every call ENOSYS.
 * - `not-in-lsm`: built but left out of `lsm=` / CONFIG_LSM at boot: every call EOPNOTSUPP.
 */
export type LandlockBuild = "built" | "not-built" | "not-in-lsm";

/** Vendor kernels whose Landlock differs from the mainline release they carry. */
export interface LandlockQuirks {
  /**
   * The ABI version the kernel reports and implements (vendor backports: RHEL 9.6 reports 5 on 5.14). Its
   * checks then follow the mainline release that introduced that ABI. Default: the release's.
   */
  readonly abi?: number;
  /** Scope bits the kernel answers EINVAL for although its ABI has them (RHEL 9.7: ABSTRACT_UNIX_SOCKET, 0x1). Default 0. */
  readonly rejectedScopes?: bigint;
}

/**
 * The environment a mock Landlock kernel simulates. Only `kernel` is required; every other field defaults to
 * what that release does for an unprivileged process outside any container, with one thread.
 */
export interface LandlockMockOptions {
  /** The release to simulate (5.10 → 7.2 and later); releases before 5.13 have no Landlock. */
  readonly kernel: KernelRelease;
  /** Default `x86_64`. Decides the byte order of the structs (s390x: big-endian) and the page size (ppc64le: 64 KiB). */
  readonly arch?: MockArch;
  /** Default `built` from 5.13 (and for a quirk's ABI), `not-built` before. */
  readonly build?: LandlockBuild;
  /**
   * A seccomp filter answers every Landlock syscall with this errno before the kernel sees it: old Docker
   * profiles (before 20.10.18/23.0) EPERM, runc's default for unknown syscalls ENOSYS. Default none.
   */
  readonly filter?: Errno;
  /** CAP_SYS_ADMIN in the caller's user namespace (root): restrict_self needs it or no_new_privs. Default `false`. */
  readonly capSysAdmin?: boolean;
  /** no_new_privs already set on the calling thread. Default `false`. */
  readonly noNewPrivs?: boolean;
  /** Threads of the simulated process (Node has several; 1 is a fresh single-threaded process). Default 1. */
  readonly threads?: number;
  /**
   * The ERRATA answer. Default: from ABI 7 the errata table's rows for this release and ABI; before ABI 7
   * the query is EINVAL. Giving a mask on an older kernel simulates the stable backport of the query.
   */
  readonly errata?: bigint;
  /** How many fds the simulated process may still open; past it, EMFILE. Default: no limit. */
  readonly fdLimit?: number;
  readonly quirks?: LandlockQuirks;
  /**
   * The filesystem `openPath` sees: absolute path → what it is; any other path is ENOENT. Default
   * `DEFAULT_MOCK_PATHS` (/, /usr, /etc, /tmp, /home, /var directories and the file /etc/hostname).
   */
  readonly paths?: Readonly<Record<string, "file" | "directory">>;
}

/** What a simulated fd is, for the fds a test opens to use as rule parents or bad ruleset fds. */
export type MockFileKind =
  | "directory"
  | "file"
  | "pipe"
  | "socket"
  | "nsfs"
  | "o-path-directory"
  | "o-path-file";

/** The simulated process's confinement: the domain's layers and whether every thread is in it. */
export interface MockRestriction {
  /** Layers stacked by successful `restrictSelf` calls (a fd -1 call adds none). */
  readonly layers: number;
  /** Threads that did not get the newest domain (siblings of a restrict without TSYNC). */
  readonly unconfinedThreads: number;
  readonly noNewPrivs: boolean;
}

/** What a mock Landlock port says about itself. */
export interface MockLandlockInfo extends LandlockPortInfo {
  readonly name: "mock";
  readonly kernelRelease: string;
  readonly arch: string;
}

/**
 * A simulated kernel behind the Landlock port: the checks of the Landlock reference §1–§3 in the order of
 * the configured release, with per-fd state (rulesets and their handled masks) and per-process state
 * (no_new_privs, layers, threads). Never throws.
 */
export interface MockLandlockPort extends LandlockPort {
  readonly info: MockLandlockInfo;
  /** Opens a simulated file of `kind` (to pass as a parent fd or a wrong ruleset fd). Errors: EMFILE. */
  openFile(kind: MockFileKind): Result<number, SyscallFailure>;
  /** The fds open now, ascending. */
  openFds(): readonly number[];
  restriction(): MockRestriction;
}

import type { Errno } from "./errno.js";
import type { TraceEntry } from "./negotiation/trace.js";
import type { PermissionCause } from "./permission-cause.js";
import type { OpenMode } from "./userfaultfd/backend-port.js";
import type { FeatureName } from "./userfaultfd/catalogue.js";

export type { PermissionCause };

/** One open mode that was tried and refused, with why. */
export interface OpenAttempt {
  readonly mode: OpenMode;
  readonly errno: Errno;
  readonly cause?: PermissionCause;
}

/** One problem in a policy: where it is, what is wrong, what would be right. */
export interface PolicyIssue {
  /** Path in the policy, e.g. `features.required[2]`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  /** Source position when the policy came from a file. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** The offending value, as written. */
  readonly value?: unknown;
  /** What would be right: nearest feature names, allowed values. */
  readonly expected?: readonly string[];
}

/** A required feature the kernel does not give (`Name`: the interface's feature names, userfaultfd's by default). */
export interface MissingFeature<Name extends string = FeatureName> {
  readonly name: Name;
  /** The mainline release that added it. */
  readonly since: string;
  /** `unsupported`: not in the supported set; `dropped`: requested, the call succeeded, but it is not enabled. */
  readonly reason: "unsupported" | "dropped";
}

interface ErrorBase {
  /** A sentence a person can act on. */
  readonly message: string;
  /** Every port call made before the failure. */
  readonly trace?: readonly TraceEntry[];
  /** The kernel interface that failed, when the policy had several sections (`userfaultfd`, `landlock`). */
  readonly interface?: string;
}

/** Everything that can go wrong, discriminated by `kind`. `Name`: the interface's feature names, userfaultfd's by default. */
export type NegotiationError<Name extends string = FeatureName> =
  | (ErrorBase & { readonly kind: "invalid-policy"; readonly issues: readonly PolicyIssue[] })
  | (ErrorBase & {
      readonly kind: "unknown-feature";
      readonly name: string;
      readonly suggestions: readonly Name[];
    })
  | (ErrorBase & {
      readonly kind: "missing-required";
      readonly missing: readonly MissingFeature<Name>[];
      /** `oneOf` groups none of whose alternatives is supported. */
      readonly unmetGroups: readonly (readonly Name[])[];
      readonly kernelRelease?: string;
    })
  | (ErrorBase & { readonly kind: "missing-optional"; readonly missing: readonly Name[] })
  | (ErrorBase & {
      readonly kind: "permission-denied";
      readonly errno: Errno;
      readonly cause: PermissionCause;
      readonly hint: string;
      /** Every open mode tried, when the refusal was at creation. */
      readonly attempts: readonly OpenAttempt[];
    })
  | (ErrorBase & {
      readonly kind: "unsupported";
      readonly reason: "no-userfaultfd" | "no-landlock" | "not-linux" | "unknown-arch" | "open-mode";
      readonly errno?: Errno;
      readonly attempts: readonly OpenAttempt[];
      /** Why, when the interface can tell (Landlock: `not-built`, `disabled`). */
      readonly cause?: PermissionCause;
      /** What to do about it, with `cause`. */
      readonly hint?: string;
    })
  | (ErrorBase & {
      readonly kind: "kernel-rejected";
      readonly errno: Errno;
      readonly requested: readonly Name[];
      readonly requestedMask: bigint;
    })
  | (ErrorBase & {
      readonly kind: "resource-exhausted";
      readonly errno: Errno;
      readonly op: "open" | "api" | "close";
    })
  | (ErrorBase & { readonly kind: "backend-unavailable"; readonly backend: string; readonly reason: string })
  | (ErrorBase & {
      /** Landlock without TSYNC would confine only the calling thread while these others stay free. */
      readonly kind: "threads-unconfined";
      readonly threads: number;
      readonly hint: string;
    })
  | (ErrorBase & { readonly kind: "unexpected"; readonly errno?: Errno; readonly detail: string });

export type NegotiationErrorKind = NegotiationError["kind"];

/** What to do about a permission refusal. */
export function permissionHint(cause: PermissionCause): string {
  switch (cause.kind) {
    case "sysctl":
      return "run as a CAP_SYS_PTRACE holder, set `sysctl vm.unprivileged_userfaultfd=1`, or allow user-mode-only (policy `userModeOnly: allow`)";
    case "capability":
      return cause.feature
        ? `grant ${cause.capability} (e.g. \`setcap cap_sys_ptrace+ep\` or a container's --cap-add SYS_PTRACE), or make ${cause.feature} optional`
        : `grant ${cause.capability}`;
    case "device-permissions":
      return `give this user read/write access to ${cause.path} (e.g. \`setfacl -m u:$USER:rw ${cause.path}\` or a udev rule)`;
    case "filter":
      return "a seccomp filter or LSM refuses userfaultfd: allow the syscall in the container's seccomp profile (Docker denies it by default) or the LSM policy";
    case "lsm":
      return cause.lsm === "selinux"
        ? "allow this domain to create userfaultfd_t anon inodes in the SELinux policy (`ausearch -m avc -c <program>` shows the denial; `audit2allow` drafts a module)"
        : "allow userfaultfd in this program's AppArmor profile (`aa-status`; the denial is in the audit log)";
    case "not-built":
      return cause.config === "CONFIG_USERFAULTFD"
        ? "this kernel was built without CONFIG_USERFAULTFD: run on a kernel built with it (e.g. a Talos system extension kernel), or make userfaultfd optional"
        : "this kernel was built without CONFIG_SECURITY_LANDLOCK: run on a kernel built with it, or set the policy's `landlock.unavailable: run-unconfined`";
    case "disabled":
      return "Landlock is built but not enabled: add `landlock` to the kernel's `lsm=` boot parameter (keep the others listed in /sys/kernel/security/lsm), or set `landlock.unavailable: run-unconfined`";
    case "no-new-privs":
      return "set no_new_privs before restricting (`enforce()` does, unless a seccomp filter or an LSM forbids prctl), or run with CAP_SYS_ADMIN";
    case "layers":
      return `this process is already inside ${cause.limit} Landlock layers: restrict from a less nested process (a parent that has not restricted itself)`;
    case "seccomp-enosys":
      return "a seccomp filter answers ENOSYS for userfaultfd: allow the syscall in the sandbox's seccomp profile";
  }
}

/** One line describing a cause. */
export function describeCause(cause: PermissionCause): string {
  switch (cause.kind) {
    case "sysctl":
      return `vm.unprivileged_userfaultfd${cause.value === undefined ? "" : ` = ${cause.value}`} refuses unprivileged userfaultfd(2)`;
    case "capability":
      return `${cause.feature ?? "this request"} needs ${cause.capability}, which this process lacks`;
    case "device-permissions":
      return `${cause.path} is not readable and writable by this user`;
    case "filter":
    case "lsm":
    case "not-built":
    case "seccomp-enosys":
    case "disabled":
    case "no-new-privs":
    case "layers":
      return cause.detail;
  }
}

import type { FeatureName } from "./userfaultfd/catalogue.js";

/** Why the kernel or the environment said EPERM/EACCES. */
export type PermissionCause =
  /** `vm.unprivileged_userfaultfd` forbids `userfaultfd(2)` for this caller. */
  | { readonly kind: "sysctl"; readonly sysctl: "vm.unprivileged_userfaultfd"; readonly value?: number }
  /** A feature needs a capability the caller lacks (EVENT_FORK needs CAP_SYS_PTRACE). */
  | { readonly kind: "capability"; readonly capability: "CAP_SYS_PTRACE"; readonly feature?: FeatureName }
  /** `/dev/userfaultfd` is not readable and writable by the caller. */
  | { readonly kind: "device-permissions"; readonly path: string }
  /** Something outside the kernel's own checks refused: a seccomp filter (Docker's default), an LSM. */
  | { readonly kind: "filter"; readonly detail: string }
  /** A Linux security module refused creating the uffd (SELinux `userfaultfd_t` on RHEL 10.2, AppArmor). */
  | { readonly kind: "lsm"; readonly lsm: "selinux" | "apparmor"; readonly detail: string }
  /** ENOSYS from a kernel whose release has the interface: built without `CONFIG_USERFAULTFD` (Talos) or `CONFIG_SECURITY_LANDLOCK`. */
  | {
      readonly kind: "not-built";
      readonly config: "CONFIG_USERFAULTFD" | "CONFIG_SECURITY_LANDLOCK";
      readonly detail: string;
    }
  /** EOPNOTSUPP from Landlock: built, but not enabled at boot (`lsm=` or `CONFIG_LSM` lacks `landlock`). */
  | { readonly kind: "disabled"; readonly lsm: "landlock"; readonly detail: string }
  /** EPERM from `landlock_restrict_self`: the thread has neither no_new_privs nor CAP_SYS_ADMIN. */
  | { readonly kind: "no-new-privs"; readonly detail: string }
  /** E2BIG from `landlock_restrict_self`: the thread already has the most Landlock layers its kernel allows. */
  | { readonly kind: "layers"; readonly limit: number; readonly detail: string }
  /** ENOSYS from a seccomp filter that answers it for denied syscalls instead of EPERM. */
  | { readonly kind: "seccomp-enosys"; readonly detail: string };

import { type Denial, featureBit, type OpenMode, type PermissionCause } from "@negotiate/core/engine";
import type { PermissionEnvironment } from "./proc.js";

const EVENT_FORK = featureBit("EVENT_FORK");

/**
 * Why the kernel or the environment refused a call, from what the kernel's own checks look at: a refusal
 * those checks would not have made comes from a seccomp filter or an LSM.
 */
export function diagnoseDenial(
  denial: Denial,
  env: PermissionEnvironment,
  devicePath: string,
  securityModule: () => "selinux" | "apparmor" | undefined = () => undefined,
): PermissionCause {
  // The kernel checks CAP_SYS_PTRACE against the initial user namespace only.
  const ptrace = env.capSysPtrace && env.initialUserNamespace;
  if (denial.op === "api") {
    if ((denial.features & EVENT_FORK) !== 0n && !ptrace) {
      return { kind: "capability", capability: "CAP_SYS_PTRACE", feature: "EVENT_FORK" };
    }
    return filter(
      `UFFDIO_API was refused with ${denial.errno} although ${ptrace ? "CAP_SYS_PTRACE is held" : "no privileged feature was requested"}`,
    );
  }
  // The kernel's own creation checks answer EPERM, never EACCES: an EACCES from the syscall is an LSM's.
  const module = denial.mode !== "device" && denial.errno === "EACCES" ? securityModule() : undefined;
  if (module) return lsm(module);
  switch (denial.mode) {
    case "syscall": {
      const sysctl = env.unprivilegedUserfaultfd;
      if (denial.errno === "EPERM" && !ptrace && sysctl !== 1) {
        return {
          kind: "sysctl",
          sysctl: "vm.unprivileged_userfaultfd",
          ...(sysctl === undefined ? {} : { value: sysctl }),
        };
      }
      return filter(
        `userfaultfd(2) was refused with ${denial.errno} although ${ptrace ? "CAP_SYS_PTRACE is held" : "vm.unprivileged_userfaultfd = 1 allows it"}`,
      );
    }
    case "device":
      return denial.errno === "EACCES"
        ? { kind: "device-permissions", path: devicePath }
        : filter(
            `opening ${devicePath} was refused with ${denial.errno}, which file permissions do not cause`,
          );
    case "user-mode-only":
      return filter(
        `userfaultfd(UFFD_USER_MODE_ONLY) was refused with ${denial.errno}, although the kernel allows it to every user`,
      );
  }
}

const lsm = (module: "selinux" | "apparmor"): PermissionCause => ({
  kind: "lsm",
  lsm: module,
  detail:
    module === "selinux"
      ? "SELinux is enforcing (/sys/fs/selinux/enforce = 1) and refused creating a userfaultfd_t anon inode"
      : "AppArmor is enabled and refused userfaultfd for this profile",
});

/**
 * Why creating a uffd answered ENOSYS, from what can be read: `not-built` when `/proc/config.gz` lacks
 * CONFIG_USERFAULTFD, `seccomp-enosys` when a seccomp filter is installed and the build has it (or cannot be
 * read), `undefined` otherwise (an old kernel, a sandbox such as gVisor).
 */
export function diagnoseUnavailable(
  mode: OpenMode,
  env: PermissionEnvironment,
  configUserfaultfd: boolean | undefined,
): PermissionCause | undefined {
  if (mode === "device") return undefined;
  if (configUserfaultfd === false) {
    return {
      kind: "not-built",
      config: "CONFIG_USERFAULTFD",
      detail: "/proc/config.gz shows this kernel was built without CONFIG_USERFAULTFD",
    };
  }
  if (env.seccompMode === 2) {
    return {
      kind: "seccomp-enosys",
      detail: `a seccomp filter is installed (Seccomp: 2 in /proc/self/status)${configUserfaultfd ? " and /proc/config.gz shows CONFIG_USERFAULTFD=y" : ""}: it answers ENOSYS for userfaultfd(2)`,
    };
  }
  return undefined;
}

const filter = (refusal: string): PermissionCause => ({
  kind: "filter",
  detail: `${refusal}: a seccomp filter (Docker's default profile denies userfaultfd) or an LSM refused it`,
});

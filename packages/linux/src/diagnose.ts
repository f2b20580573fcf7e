import { type Denial, featureBit, type PermissionCause } from "@negotiate/core/engine";
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

const filter = (refusal: string): PermissionCause => ({
  kind: "filter",
  detail: `${refusal}: a seccomp filter (Docker's default profile denies userfaultfd) or an LSM refused it`,
});

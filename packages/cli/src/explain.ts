import { describeCause, type Errno, type OpenMode, type PermissionCause } from "@negotiate/core/engine";

/** Why creating a uffd in `mode` failed, in words: the permission cause when there is one, else what the errno means. */
export function openRefusal(mode: OpenMode, errno: Errno, cause?: PermissionCause): string {
  if (cause) return `${errno}: ${describeCause(cause)}`;
  switch (errno) {
    case "ENOENT":
    case "ENODEV":
      return `${errno}: no /dev/userfaultfd (added in 6.1)`;
    case "ENOSYS":
      return `${errno}: no userfaultfd syscall (before 4.3, or removed by a sandbox such as gVisor)`;
    case "EINVAL":
      return mode === "user-mode-only"
        ? `${errno}: the kernel does not know UFFD_USER_MODE_ONLY (added in 5.11)`
        : `${errno}: the kernel refused the flags`;
    default:
      return errno;
  }
}

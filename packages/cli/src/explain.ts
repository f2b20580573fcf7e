import {
  describeCause,
  type Errno,
  FeatureSet,
  type OpenMode,
  type PermissionCause,
  type TraceEntry,
  UFFD_API,
} from "@negotiate/core/engine";

const EVENT_FORK = FeatureSet.of("EVENT_FORK");

function flagsOf(mode: OpenMode, closeOnExec: boolean, nonBlocking: boolean): string {
  const flags = [
    ...(mode === "user-mode-only" ? ["UFFD_USER_MODE_ONLY"] : []),
    ...(closeOnExec ? ["O_CLOEXEC"] : []),
    ...(nonBlocking ? ["O_NONBLOCK"] : []),
  ];
  return flags.join("|") || "0";
}

/** The call that creates a uffd in `mode`, as C would spell it. */
export function openCall(mode: OpenMode, closeOnExec: boolean, nonBlocking: boolean): string {
  const flags = flagsOf(mode, closeOnExec, nonBlocking);
  return mode === "device"
    ? `ioctl(open("/dev/userfaultfd"), USERFAULTFD_IOC_NEW, ${flags})`
    : `userfaultfd(${flags})`;
}

// Masks from the kernel are u64: FeatureSet.fromMask cannot fail on them.
const setOf = (mask: bigint): FeatureSet => FeatureSet.fromMask(mask).unwrapOr(FeatureSet.EMPTY);

/** Why an `UFFDIO_API` errno happened, as far as the call itself tells. */
function apiRefusal(result: string, features: bigint): string {
  switch (result) {
    case "EINVAL":
      return features === 0n
        ? "EINVAL (the fd was already initialised, or the api value was refused)"
        : "EINVAL (the kernel does not say which bit)";
    case "EPERM":
      return setOf(features).covers(EVENT_FORK) ? "EPERM (EVENT_FORK needs CAP_SYS_PTRACE)" : "EPERM";
    default:
      return result;
  }
}

/** One trace entry as a sentence, e.g. `opened a uffd with userfaultfd(O_CLOEXEC|O_NONBLOCK) → fd 23`. */
export function explainEntry(entry: TraceEntry): string {
  switch (entry.op) {
    case "open": {
      const call = openCall(entry.mode, entry.closeOnExec, entry.nonBlocking);
      return entry.result === "ok"
        ? `opened a uffd with ${call} → fd ${entry.fd}`
        : `tried to open a uffd with ${call} → ${entry.result}`;
    }
    case "api": {
      const api = entry.api === UFFD_API ? "" : ` api=0x${entry.api.toString(16)}`;
      const asked = entry.features === 0n ? "features=0 (probe)" : `features=${setOf(entry.features)}`;
      const call = `UFFDIO_API${api} ${asked} on fd ${entry.fd}`;
      if (entry.result !== "ok") return `${call} → ${apiRefusal(entry.result, entry.features)}`;
      const supported = setOf(entry.reply.features);
      return `${call} → ok; the kernel supports ${supported} (${supported.hex()})`;
    }
    case "close":
      return entry.result === "ok" ? `closed fd ${entry.fd}` : `closing fd ${entry.fd} → ${entry.result}`;
  }
}

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

/** The trace as numbered sentences. */
export function explainTrace(trace: readonly TraceEntry[]): string[] {
  return trace.map((entry, index) => `${String(index + 1).padStart(2)}. ${explainEntry(entry)}`);
}

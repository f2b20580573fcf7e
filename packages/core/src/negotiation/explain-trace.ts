import type { OpenMode } from "../userfaultfd/backend-port.js";
import { FeatureSet } from "../userfaultfd/feature-set.js";
import { UFFD_API } from "../userfaultfd/port-calls.js";
import type { TraceEntry } from "./trace.js";

const EVENT_FORK = FeatureSet.of("EVENT_FORK");

function flagsOf(mode: OpenMode, closeOnExec: boolean, nonBlocking: boolean): string {
  const flags = [
    ...(mode === "user-mode-only" ? ["UFFD_USER_MODE_ONLY"] : []),
    ...(closeOnExec ? ["O_CLOEXEC"] : []),
    ...(nonBlocking ? ["O_NONBLOCK"] : []),
  ];
  return flags.join("|") || "0";
}

/** The call that creates a uffd in `mode`, as C would spell it: `userfaultfd(O_CLOEXEC|O_NONBLOCK)`. */
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

function explainEntry(entry: TraceEntry, uffd: (fd: number) => string): string {
  switch (entry.op) {
    case "open": {
      const call = openCall(entry.mode, entry.closeOnExec, entry.nonBlocking);
      return entry.result === "ok" && entry.fd !== undefined
        ? `opened ${uffd(entry.fd)} with ${call}`
        : `tried to open a uffd with ${call} → ${entry.result}`;
    }
    case "api": {
      const api = entry.api === UFFD_API ? "" : ` api=0x${entry.api.toString(16)}`;
      const asked = entry.features === 0n ? "features=0 (probe)" : `features=${setOf(entry.features)}`;
      const call = `UFFDIO_API${api} ${asked} on ${uffd(entry.fd)}`;
      if (entry.result !== "ok") return `${call} → ${apiRefusal(entry.result, entry.features)}`;
      const supported = setOf(entry.reply.features);
      return `${call} → ok; the kernel supports ${supported} (${supported.hex()})`;
    }
    case "close":
      return entry.result === "ok"
        ? `closed ${uffd(entry.fd)}`
        : `closing ${uffd(entry.fd)} → ${entry.result}`;
    case "call":
      return `${entry.call} → ${entry.result}`;
    case "landlock-version":
      return entry.result === "ok"
        ? `asked Landlock for its ABI version → ${entry.abi}`
        : `asked Landlock for its ABI version → ${entry.result}`;
    case "landlock-errata":
      return entry.result === "ok"
        ? `asked Landlock for its errata → 0x${(entry.errata ?? 0n).toString(16)}`
        : `asked Landlock for its errata → ${entry.result}`;
    case "landlock-create-ruleset": {
      const call = `landlock_create_ruleset(fs=0x${entry.fs.toString(16)}, net=0x${entry.net.toString(16)}, scoped=0x${entry.scoped.toString(16)})`;
      return entry.result === "ok" && entry.fd !== undefined
        ? `created ${uffd(entry.fd)} with ${call}`
        : `${call} → ${entry.result}`;
    }
  }
}

/**
 * A trace as numbered sentences, e.g. ` 1. opened uffd #1 with userfaultfd(O_CLOEXEC|O_NONBLOCK)`. Each uffd is
 * named by the order it was opened in, not by its fd number, which means nothing once the process has exited
 * (and a closed fd's number is reused by the next open).
 */
export function explainTrace(trace: readonly TraceEntry[]): string[] {
  const names = new Map<number, string>();
  let opened = 0;
  let rulesets = 0;
  const uffd = (fd: number): string => names.get(fd) ?? `fd ${fd}`;
  return trace.map((entry, index) => {
    if (entry.op === "open" && entry.result === "ok" && entry.fd !== undefined) {
      opened += 1;
      names.set(entry.fd, `uffd #${opened}`);
    }
    if (entry.op === "landlock-create-ruleset" && entry.result === "ok" && entry.fd !== undefined) {
      rulesets += 1;
      names.set(entry.fd, `ruleset #${rulesets}`);
    }
    return `${String(index + 1).padStart(2)}. ${explainEntry(entry, uffd)}`;
  });
}

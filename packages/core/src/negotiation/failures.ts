import type { Errno } from "../errno.js";
import type { MissingFeature, NegotiationError } from "../errors.js";
import type { TraceEntry } from "./trace.js";

export function resourceExhausted(
  errno: Errno,
  op: "open" | "api" | "close",
  trace: readonly TraceEntry[],
): NegotiationError {
  const what =
    errno === "ENOMEM"
      ? "the kernel is out of memory"
      : errno === "EMFILE"
        ? "this process has no free fd (RLIMIT_NOFILE)"
        : "the system file table is full";
  return { kind: "resource-exhausted", errno, op, trace, message: `${op} failed with ${errno}: ${what}` };
}

/** Required features (and `oneOf` groups) this kernel does not give, in the interface's own names. */
export function missingRequired(
  iface: { namesOf(mask: bigint): readonly string[]; sinceOf(name: string): string },
  missingMask: bigint,
  droppedMask: bigint,
  unmetGroups: readonly (readonly string[])[],
  kernelRelease: string | undefined,
  trace: readonly TraceEntry[],
): NegotiationError {
  // "dropped": requested in a call the kernel accepted, yet not enabled.
  const missing: MissingFeature<string>[] = [
    ...iface.namesOf(missingMask & ~droppedMask).map((name) => ({
      name,
      since: iface.sinceOf(name),
      reason: "unsupported" as const,
    })),
    ...iface.namesOf(droppedMask).map((name) => ({
      name,
      since: iface.sinceOf(name),
      reason: "dropped" as const,
    })),
  ];
  const parts = missing.map((feature) =>
    feature.reason === "unsupported"
      ? `${feature.name} (added in ${feature.since})`
      : `${feature.name} (added in ${feature.since}; this kernel accepted the request but did not enable it)`,
  );
  for (const group of unmetGroups) parts.push(`one of ${group.join(" | ")}`);
  const kernel = kernelRelease ? `kernel ${kernelRelease}` : "this kernel";
  // The names are the interface's own: userfaultfd's `FeatureName`s for the default error type.
  return {
    kind: "missing-required",
    missing,
    unmetGroups,
    ...(kernelRelease ? { kernelRelease } : {}),
    trace,
    message: `${kernel} does not provide required ${parts.join(", ")}`,
  } as NegotiationError;
}

export function missingOptional(names: readonly string[], trace: readonly TraceEntry[]): NegotiationError {
  return {
    kind: "missing-optional",
    missing: names,
    trace,
    message: `optional features not available and the policy says onMissingOptional: error: ${names.join(", ")}`,
  } as NegotiationError;
}

export function unexpected(
  detail: string,
  errno: Errno | undefined,
  trace: readonly TraceEntry[],
): NegotiationError {
  return { kind: "unexpected", detail, ...(errno ? { errno } : {}), trace, message: `unexpected: ${detail}` };
}

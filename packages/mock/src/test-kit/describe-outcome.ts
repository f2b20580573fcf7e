import {
  describeCause,
  explainTrace,
  formatPolicyIssue,
  type NegotiationError,
  type Session,
  type TraceEntry,
} from "@negotiate/core";

// What each kind carries beyond its message, so that a failed test shows why without a debugger.
function detailLines(error: NegotiationError): string[] {
  switch (error.kind) {
    case "invalid-policy":
      return error.issues.map((issue) => `issue:   ${formatPolicyIssue(issue)}`);
    case "unknown-feature":
      return [`name:    ${JSON.stringify(error.name)}`];
    case "missing-required":
      return [
        ...error.missing.map(
          (feature) => `missing: ${feature.name} (${feature.reason}, since ${feature.since})`,
        ),
        ...error.unmetGroups.map((group) => `unmet:   one of ${group.join(" | ")}`),
        ...(error.kernelRelease === undefined ? [] : [`kernel:  ${error.kernelRelease}`]),
      ];
    case "missing-optional":
      return [`missing: ${error.missing.join(", ")}`];
    case "permission-denied":
      return [
        `cause:   ${describeCause(error.cause)} (${error.cause.kind}, ${error.errno})`,
        `hint:    ${error.hint}`,
        ...error.attempts.map((attempt) => `tried:   ${attempt.mode} → ${attempt.errno}`),
      ];
    case "unsupported":
      return [
        `cause:   ${error.reason}${error.errno ? ` (${error.errno})` : ""}`,
        ...error.attempts.map(
          (attempt) =>
            `tried:   ${attempt.mode} → ${attempt.errno}${attempt.cause ? `: ${describeCause(attempt.cause)}` : ""}`,
        ),
      ];
    case "kernel-rejected":
      return [
        `cause:   ${error.errno} for ${error.requested.join(", ")} (0x${error.requestedMask.toString(16)})`,
      ];
    case "resource-exhausted":
      return [`cause:   ${error.errno} in ${error.op}`];
    case "backend-unavailable":
      return [`cause:   ${error.backend}: ${error.reason}`];
    case "threads-unconfined":
      return [`threads: ${error.threads}`, `hint:    ${error.hint}`];
    case "unexpected":
      return [`cause:   ${error.detail}${error.errno ? ` (${error.errno})` : ""}`];
  }
}

function traceLines(trace: readonly TraceEntry[] | undefined): string[] {
  return trace?.length
    ? ["trace:", ...explainTrace(trace).map((line) => `  ${line}`)]
    : ["trace:   (no call made)"];
}

/** A negotiation error for a test failure: kind, message, what its kind carries (cause, hint, …) and the trace. */
export function describeError(error: NegotiationError): string {
  return [
    `kind:    ${error.kind}`,
    `message: ${error.message}`,
    ...detailLines(error),
    ...traceLines(error.trace),
  ]
    .map((line) => `  ${line}`)
    .join("\n");
}

/** What a failure message shows of a session (any session, whatever its policy's types). */
export type SessionSummary = Pick<
  Session,
  "enabledSet" | "missingOptional" | "strategy" | "route" | "open" | "warnings" | "trace"
>;

/** A session for a test failure: what was enabled and missing, how, the warnings and the trace. */
export function describeSession(session: SessionSummary): string {
  return [
    `enabled: ${session.enabledSet}`,
    `missing optional: ${session.missingOptional.join(", ") || "none"}`,
    `route:   ${session.strategy}, ${session.route}, open ${session.open}`,
    ...session.warnings.map((warning) => `warning: ${warning.code}: ${warning.message}`),
    ...traceLines(session.trace),
  ]
    .map((line) => `  ${line}`)
    .join("\n");
}

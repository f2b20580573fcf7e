import { fileURLToPath } from "node:url";
import {
  describeCause,
  type FeatureName,
  formatPolicyIssue,
  lintPolicy,
  loadPolicy,
  type NegotiationError,
  negotiate,
  type Session,
} from "@negotiate/core";
import type { Result } from "neverthrow";
import type { AppError, AppOptions, AppReport, WriteTracking } from "./app-api.js";

const DEFAULT_POLICY_PATH = fileURLToPath(new URL("../policy.yaml", import.meta.url));

/**
 * The agent's start-up: loads its policy, negotiates with the given backend, decides how to work from what
 * the session enabled, closes the session and reports. A pure function of the backend and the policy file,
 * so the tests run it on simulated kernels. (The real agent would keep the fd and serve faults on it: see
 * `examples/lazy-memory` for that part.)
 */
export function startApp(options: AppOptions): Result<AppReport, AppError> {
  const policyPath = options.policyPath ?? DEFAULT_POLICY_PATH;
  return loadPolicy(policyPath)
    .mapErr(
      (error): AppError => ({
        kind: "invalid-policy",
        policyPath,
        error,
        message: `snapshot-agent cannot start: ${error.message}`,
      }),
    )
    .andThen((policy) =>
      negotiate(policy, { backend: options.backend })
        .mapErr(negotiationFailed)
        .andThen((session) => {
          const report = reportOf(
            session,
            policy.name ?? policyPath,
            lintPolicy(policy).map(formatPolicyIssue),
          );
          return session
            .close()
            .map(() => report)
            .mapErr(
              (error): AppError => ({
                kind: "close-failed",
                error,
                message: `snapshot-agent: ${error.message}`,
              }),
            );
        }),
    );
}

// The agent reads what was enabled, never the kernel version: backports and masked features make versions lie.
// A policy file may leave a name out, and `enabled` then has no entry for it: hence `=== true`.
function reportOf(
  session: Session<never, FeatureName>,
  policy: string,
  policyLints: readonly string[],
): AppReport {
  const { enabled } = session;
  return {
    policy,
    backend: session.backend.name,
    kernel: session.backend.kernelRelease ?? "unknown",
    open: session.open,
    enabled: session.enabledSet.names(),
    writeTracking: writeTrackingOf(enabled),
    threadAttribution: enabled.THREAD_ID === true,
    followsForks: enabled.EVENT_FORK === true,
    restore: session.open === "user-mode-only" ? "lazy-except-io-buffers" : "lazy",
    warnings: session.warnings,
    policyLints,
  };
}

function writeTrackingOf(enabled: Session<never, FeatureName>["enabled"]): WriteTracking {
  if (enabled.WP_ASYNC === true) return { mode: "async", feature: "WP_ASYNC" };
  if (enabled.PAGEFAULT_FLAG_WP === true) return { mode: "fault-driven", feature: "PAGEFAULT_FLAG_WP" };
  return { mode: "off" };
}

function negotiationFailed(error: NegotiationError): AppError {
  const advice =
    error.kind === "permission-denied"
      ? `\n  cause: ${describeCause(error.cause)}\n  fix: ${error.hint}`
      : "";
  return {
    kind: "negotiation-failed",
    error,
    message: `snapshot-agent cannot start (${error.kind}): ${error.message}${advice}`,
  };
}

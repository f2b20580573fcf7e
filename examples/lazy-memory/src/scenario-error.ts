import type { NegotiationError } from "@negotiate/core";
import type { UffdOpsError } from "./uffd-ops.js";

/** Why a scenario failed. Every variant has a `message` a person can act on. */
export type ScenarioError =
  /** The policy could not be negotiated on this kernel (or in this process). */
  | { readonly kind: "negotiation"; readonly error: NegotiationError; readonly message: string }
  /** A system call on the region or the uffd failed. */
  | { readonly kind: "uffd"; readonly error: UffdOpsError; readonly message: string }
  /**
   * The deadline passed: a fault was not served in time (`pending` names it) or the worker did not finish.
   * Waiting threads were released before this was reported.
   */
  | {
      readonly kind: "timeout";
      readonly waitedMs: number;
      readonly pending?: { readonly page: number; readonly address: bigint };
      readonly message: string;
    }
  /** The worker thread could not start or threw. */
  | { readonly kind: "worker-failed"; readonly message: string }
  /**
   * The worker thread did not exit even after being released and terminated. Its region is left mapped,
   * because unmapping memory a live thread may touch would crash the process.
   */
  | { readonly kind: "worker-stuck"; readonly message: string }
  /** The options name something the scenario cannot do (a page outside the region). */
  | { readonly kind: "invalid-options"; readonly message: string }
  /** The page source could not produce a page. */
  | { readonly kind: "page-source-failed"; readonly page: number; readonly message: string }
  /** The fd delivered something this scenario did not ask for (another event, a fault outside the region). */
  | { readonly kind: "unexpected-message"; readonly message: string }
  /** `/proc/self/pagemap` could not be read. */
  | { readonly kind: "pagemap-unreadable"; readonly message: string };

/** A `ScenarioError` for a failed uffd operation. */
export function uffdFailure(error: UffdOpsError): ScenarioError {
  return { kind: "uffd", error, message: error.message };
}

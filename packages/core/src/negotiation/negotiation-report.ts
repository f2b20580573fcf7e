import type { FeatureName } from "../userfaultfd/catalogue.js";

/**
 * Which way the negotiation went.
 * - `known-supported`: the supported set was known; one fd, one call.
 * - `probe`: `features = 0` on a temporary fd, then the request on a new fd.
 * - `one-shot`: one fd, one request.
 * - `one-shot-then-probe`: the one-shot request was refused; the failed fd was probed, then a new fd requested.
 */
export type Route = "known-supported" | "probe" | "one-shot" | "one-shot-then-probe";

/** Something a successful negotiation wants the app to know (`Name`: the interface's feature names). */
export interface NegotiationWarning<Name extends string = FeatureName> {
  readonly code:
    | "missing-optional"
    | "event-fork-dropped"
    | "user-mode-only"
    | "probe-fallback"
    | "dropped-by-kernel"
    | "verify-unavailable"
    | "privileged-dropped"
    | "unconfined";
  readonly message: string;
  readonly features?: readonly Name[];
}

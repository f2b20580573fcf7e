import type {
  Backend,
  FeatureName,
  NegotiationError,
  NegotiationWarning,
  OpenMode,
  PolicyError,
} from "@negotiate/core";

/** What `startApp` runs against. */
export interface AppOptions {
  /**
   * The kernel: `linuxBackend()` in production, `mockBackend(...)` in tests. Injecting it is what lets the
   * tests run the agent on kernels and in environments the test machine does not have.
   */
  readonly backend: Backend;
  /** The policy file; default `examples/app/policy.yaml` (next to this package's `src/`). */
  readonly policyPath?: string;
}

/**
 * How the agent finds the pages written since the last snapshot, picked from what the session enabled.
 * - `async`: WP_ASYNC (Linux 6.7): the kernel resolves write-protect faults itself and the agent reads the
 *   dirty pages from `/proc/<pid>/pagemap`; writers never stop.
 * - `fault-driven`: PAGEFAULT_FLAG_WP (Linux 5.7): the first write to each protected page stops the writer
 *   until the agent has recorded the page and removed the protection.
 * - `off`: no write-protect support: incremental snapshots are disabled (lazy restore still works).
 */
export type WriteTracking =
  | { readonly mode: "async"; readonly feature: "WP_ASYNC" }
  | { readonly mode: "fault-driven"; readonly feature: "PAGEFAULT_FLAG_WP" }
  | { readonly mode: "off" };

/**
 * How restored pages reach the process.
 * - `lazy`: every page is served on first touch, including touches by the kernel (a `read(2)` into it).
 * - `lazy-except-io-buffers`: the fd is user-mode-only, so faults raised by the kernel are not delivered
 *   (the process would get SIGBUS/EFAULT): pages handed to system calls are restored eagerly.
 */
export type RestoreMode = "lazy" | "lazy-except-io-buffers";

/** What the agent decided to do on this kernel, from the negotiated session. */
export interface AppReport {
  /** The policy's `name`. */
  readonly policy: string;
  /** `backend.info.name`: `linux` or `mock`. */
  readonly backend: string;
  /** `backend.info.kernelRelease`, or `unknown`. */
  readonly kernel: string;
  /** How the uffd was created. */
  readonly open: OpenMode;
  /** Exactly what the kernel enabled, in bit order. */
  readonly enabled: readonly FeatureName[];
  readonly writeTracking: WriteTracking;
  /** THREAD_ID: faults name the thread that raised them. */
  readonly threadAttribution: boolean;
  /** EVENT_FORK: a forked child's memory is tracked too. */
  readonly followsForks: boolean;
  readonly restore: RestoreMode;
  /** What the negotiation wants the agent to know (missing optional features, EVENT_FORK dropped, …). */
  readonly warnings: readonly NegotiationWarning[];
  /** The policy's lints (`lintPolicy`), formatted: a policy that promises more than `minKernel` gives. */
  readonly policyLints: readonly string[];
}

/**
 * Why the agent cannot start. `message` is what it prints.
 * - `invalid-policy`: the policy file is unreadable or invalid; nothing was negotiated.
 * - `negotiation-failed`: the kernel or the environment cannot give what the policy requires; for
 *   `permission-denied` the message carries the cause and the hint.
 * - `close-failed`: closing the negotiated fd failed.
 */
export type AppError =
  | {
      readonly kind: "invalid-policy";
      readonly policyPath: string;
      readonly error: PolicyError;
      readonly message: string;
    }
  | { readonly kind: "negotiation-failed"; readonly error: NegotiationError; readonly message: string }
  | { readonly kind: "close-failed"; readonly error: NegotiationError; readonly message: string };

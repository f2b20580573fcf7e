import { definePolicy } from "@negotiate/core";

// The fault loop polls and reads without blocking: every policy here keeps the default `nonBlocking: true`
// explicit.

/**
 * Missing faults on private anonymous memory are the base API: nothing is required. THREAD_ID (4.14) makes each
 * fault message name the faulting thread.
 */
export const lazyMemoryPolicy = definePolicy({
  name: "lazy-memory",
  features: { optional: ["THREAD_ID"] },
  nonBlocking: true,
});

/** Write-protect faults (5.7); WP_ASYNC (6.7) lets the kernel resolve them itself where it can. */
export const writeTrackingPolicy = definePolicy({
  name: "write-tracking",
  features: { required: ["PAGEFAULT_FLAG_WP"], optional: ["THREAD_ID", "WP_ASYNC"] },
  nonBlocking: true,
});

/** Write-protect faults served by this process, even on kernels with WP_ASYNC. */
export const writeFaultsPolicy = definePolicy({
  name: "write-faults",
  features: { required: ["PAGEFAULT_FLAG_WP"], optional: ["THREAD_ID"], forbidden: ["WP_ASYNC"] },
  nonBlocking: true,
});

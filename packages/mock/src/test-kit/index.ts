// `@negotiate/mock/vitest`: what an app's vitest suite needs to test its negotiation on simulated kernels.

export { describeError, describeSession, type SessionSummary } from "./describe-outcome.js";
export {
  type ForEachKernelOptions,
  forEachKernel,
  type KernelCase,
  type KernelEntry,
  kernelTable,
} from "./kernel-table.js";
export { negotiateMatchers } from "./matchers.js";

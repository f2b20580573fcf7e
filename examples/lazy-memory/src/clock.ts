/**
 * Time as the scenarios read it: their deadline, the grace a released worker gets to exit, and the times in a
 * report. The default is {@link systemClock}; tests pass a clock they move themselves, so that a deadline
 * passes exactly where the test says, however slow the machine is.
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never decreases. */
  now(): number;
  /** Resolves once `ms` milliseconds (0 or less: at once) have passed on this clock; never keeps the process alive. */
  after(ms: number): Promise<void>;
}

/** `performance.now()` and an unref'd `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  after: (ms) =>
    new Promise<void>((resolve) => {
      setTimeout(resolve, Math.max(0, ms)).unref();
    }),
};

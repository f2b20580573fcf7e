// What the Linux and the mock benchmarks share: the policy, the request the baselines send for it, the SDK
// negotiation they time, and the timing of one round.
import {
  type Backend,
  definePolicy,
  FeatureSet,
  Knowledge,
  negotiate,
  type StrategyName,
  UFFD_API,
} from "@negotiate/core";

/** What the SDK's policy asks for (MOVE required; WP_ASYNC, THREAD_ID optional), as the baselines send it. */
export const REQUEST = FeatureSet.of("MOVE", "WP_ASYNC", "THREAD_ID").mask;

/** What the kernel enables for it (WP_ASYNC brings WP_UNPOPULATED): each SDK negotiation checks its session. */
const EXPECTED = FeatureSet.of("MOVE", "WP_ASYNC", "WP_UNPOPULATED", "THREAD_ID").mask;

/**
 * Where the benchmark's `@negotiate/*` imports resolve: the sources through tsx (which keeps function names, a
 * little cost per closure), or the built packages.
 */
export const sdkSource = import.meta.resolve("@negotiate/core").includes("/src/") ? "src (tsx)" : "dist";

/**
 * One SDK negotiation with `backend` per call, its session checked and closed; the first call is made here, so
 * that `auto` has learned the supported set before any call is timed.
 */
export function sdkNegotiation(backend: Backend, strategy: StrategyName, verify: boolean): () => void {
  const policy = definePolicy({
    features: { required: ["MOVE"], optional: ["WP_ASYNC", "THREAD_ID"] },
    strategy,
    verify,
    open: "syscall",
  })._unsafeUnwrap();
  const knowledge = new Knowledge();
  const once = () => {
    const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
    if (session.enabledSet.mask !== EXPECTED) throw new Error(`unexpected enabled set ${session.enabledSet}`);
    session.close();
  };
  once();
  return once;
}

const OPEN = { mode: "syscall", closeOnExec: true, nonBlocking: true } as const;

/** What one known-supported negotiation asks of `backend`'s port (open, API, close), without the core around it. */
export function portNegotiation(backend: Backend, verify: boolean): () => void {
  return () => portCalls(backend, REQUEST, verify);
}

/** What one `probe` negotiation asks of the port: open, API(0), close, then open, API(request), close. */
export function portProbe(backend: Backend): () => void {
  return () => {
    portCalls(backend, 0n, false);
    portCalls(backend, REQUEST, false);
  };
}

function portCalls(backend: Backend, features: bigint, verify: boolean): void {
  const fd = backend.open(OPEN)._unsafeUnwrap();
  backend.api(fd, UFFD_API, features)._unsafeUnwrap();
  if (verify) backend.enabledFeatures!(fd)._unsafeUnwrap();
  backend.close(fd);
}

/** Runs `run` in batches of `batch` for `roundMs` and returns its ns per call. */
export function nsPerOp(run: () => void, roundMs: number, batch: number): number {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(roundMs * 1e6);
  let now = start;
  let done = 0;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) run();
    done += batch;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / done;
}

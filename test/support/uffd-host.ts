import { existsSync, readdirSync } from "node:fs";
import { release } from "node:os";
import {
  type Backend,
  type FeatureName,
  FeatureSet,
  kernelAtLeast,
  parseKernelRelease,
} from "@negotiate/core";
import { err } from "neverthrow";
import type { Clock } from "../../examples/lazy-memory/src/clock.js";
import type { UffdOps } from "../../examples/lazy-memory/src/uffd-ops.js";

/** Why the examples cannot fault real pages here, or `undefined` when they can. */
export function uffdSkipReason(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") {
    return `needs Linux x86_64, this is ${process.platform} ${process.arch}`;
  }
  if (!existsSync("/proc/sys/vm/unprivileged_userfaultfd")) return "this kernel has no userfaultfd";
  return undefined;
}

/** Whether the running kernel is at least `since` (`6.7`). */
export function kernelSince(since: string): boolean {
  return parseKernelRelease(release()).match(
    (version) => kernelAtLeast(version, since),
    () => false,
  );
}

/**
 * The real kernel as a kernel without `names` answers `UFFDIO_API` (older, or another architecture): a request
 * naming one of them fails with EINVAL and a zeroed struct before reaching the kernel, and a successful reply
 * does not list them. Fds, faults and fdinfo stay real.
 */
export function kernelWithout(backend: Backend, ...names: FeatureName[]): Backend {
  const hidden = FeatureSet.of(...names).mask;
  return {
    info: { ...backend.info, name: `${backend.info.name} without ${names.join(", ")}` },
    open: (request) => backend.open(request),
    close: (fd) => backend.close(fd),
    api(fd, api, features) {
      if ((features & hidden) !== 0n) {
        return err({ errno: "EINVAL", reply: { api: 0n, features: 0n, ioctls: 0n } });
      }
      return backend
        .api(fd, api, features)
        .map((reply) => ({ ...reply, features: reply.features & ~hidden }));
    },
    ...(backend.enabledFeatures ? { enabledFeatures: backend.enabledFeatures.bind(backend) } : {}),
  };
}

const openFds = () => readdirSync("/proc/self/fd").length;

/**
 * Watches a scenario for leaks: pass `ops` to it, then `leftBehind()` lists the fds opened and the regions mapped
 * since the watch began and not released. Mappings are tracked through `ops` (every `mmap` of the example goes
 * through it) rather than by counting `/proc/self/maps` lines, which V8 and malloc change on their own.
 */
export function watchResources(inner: UffdOps): {
  readonly ops: UffdOps;
  /** How many regions were mapped. */
  readonly mapped: () => number;
  readonly leftBehind: () => { readonly fds: number; readonly mappings: readonly bigint[] };
} {
  const fds = openFds();
  const live = new Map<bigint, number>();
  let mapped = 0;
  const ops = new Proxy(inner, {
    get(target, key) {
      if (key === "mapAnonymous") {
        return (length: number) =>
          target.mapAnonymous(length).map((address) => {
            mapped++;
            live.set(address, length);
            return address;
          });
      }
      if (key === "unmap") {
        return (address: bigint, length: number) =>
          target.unmap(address, length).andTee(() => {
            if (live.get(address) === length) live.delete(address);
          });
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    ops,
    mapped: () => mapped,
    leftBehind: () => ({ fds: openFds() - fds, mappings: [...live.keys()] }),
  };
}

/** A clock that moves only when `advance` is called: a deadline passes exactly where a test moves it. */
export function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let waiting: { readonly at: number; readonly resolve: () => void }[] = [];
  const wake = () => {
    const due = waiting.filter((timer) => timer.at <= now);
    waiting = waiting.filter((timer) => timer.at > now);
    for (const timer of due) timer.resolve();
  };
  return {
    now: () => now,
    after: (ms) =>
      new Promise<void>((resolve) => {
        waiting.push({ at: now + ms, resolve });
        wake();
      }),
    advance(ms) {
      now += ms;
      wake();
    },
  };
}

/**
 * The deadline of a scenario whose deadline is not under test: 200× a quiet run (a worker's start-up and its
 * faults take ~0.3 s), so that a busy machine never meets it; the deadline tests move a clock of their own.
 */
export const UNHURRIED_MS = 60_000;

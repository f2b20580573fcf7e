// Through the package's entries, not its files: the kit's build is one file over the engine's (no chunk shared
// with the main entry, which would split the main entry's code in two).
import {
  type Backend,
  FeatureSet,
  KNOWN_FEATURES_MASK,
  Knowledge,
  negotiate,
  type OpenMode,
  POLICY_DEFAULTS,
  type Policy,
  UFFD_API,
  withImplied,
} from "@negotiate/core/engine";
import { describe, expect, it } from "vitest";

/** What the kernel behind a backend does, where kernels differ. Every default is a current (6.10+) kernel's behaviour. */
export interface ConformanceAbilities {
  /** The open mode that works for this caller. Default `syscall`. */
  readonly mode?: OpenMode;
  /** The kernel knows feature bits (4.11 and later); `false` for 4.3–4.10, which accept only `features = 0`. Default `true`. */
  readonly features?: boolean;
  /** `UFFDIO_API` refuses an api other than 0xAA; `false` on 6.0.y, 6.1.0–6.1.25, 6.2.0–6.2.12. Default `true`. */
  readonly checksApi?: boolean;
  /** Unknown bits give EINVAL; `false` where they are silently dropped (same window). Default `true`. */
  readonly rejectsUnknownBits?: boolean;
  /** A second `UFFDIO_API` after success zeroes the struct (5.15 and later). Default `true`. */
  readonly zeroesOnSecondCall?: boolean;
  /** The caller holds CAP_SYS_PTRACE, so EVENT_FORK is granted. Default `true`. */
  readonly eventFork?: boolean;
  /**
   * EVENT_FORK's capability check comes before the unknown-bit check (6.10 and its backports, and 6.0–6.2.12);
   * `false` on 5.5–6.9, which refuse unknown bits first. Default `true`.
   */
  readonly forkCheckedBeforeFeatures?: boolean;
}

/** A backend under test: a factory for a fresh backend and what its kernel can do. */
export interface ConformanceTarget {
  /** Shown in the suite's name. */
  readonly name: string;
  /** A fresh backend; called once per test. */
  readonly create: () => Backend;
  readonly can?: ConformanceAbilities;
}

const EVENT_FORK = FeatureSet.of("EVENT_FORK").mask;
const BIT_63 = 1n << 63n;
const ZERO_REPLY = { api: 0n, features: 0n, ioctls: 0n };

function policyOf(optional: FeatureSet, mode: OpenMode): Policy {
  return {
    ...POLICY_DEFAULTS,
    open: mode,
    required: FeatureSet.EMPTY,
    optional,
    forbidden: FeatureSet.EMPTY,
    oneOf: [],
  };
}

/**
 * The port contract of the userfaultfd reference (§1), run against any backend: the mock at any kernel,
 * the real kernel through the Linux backend. Call it inside a vitest test file.
 */
export function backendConformance(target: ConformanceTarget): void {
  const can = {
    mode: "syscall" as OpenMode,
    features: true,
    checksApi: true,
    rejectsUnknownBits: true,
    zeroesOnSecondCall: true,
    eventFork: true,
    forkCheckedBeforeFeatures: true,
    ...target.can,
  };

  // Runs `body` with a fresh backend and fd; the fd is closed afterwards whatever happens.
  function withFd(body: (backend: Backend, fd: number) => void): void {
    const backend = target.create();
    const fd = backend.open({ mode: can.mode, closeOnExec: true, nonBlocking: true })._unsafeUnwrap();
    try {
      body(backend, fd);
    } finally {
      backend.close(fd);
    }
  }

  function supportedSet(): bigint {
    let supported = 0n;
    withFd((backend, fd) => {
      supported = backend.api(fd, UFFD_API, 0n)._unsafeUnwrap().features;
    });
    return supported;
  }

  describe(`backend conformance: ${target.name}`, () => {
    it("opens a fd, closes it once, and refuses to close it twice with EBADF", () => {
      const backend = target.create();
      const fd = backend.open({ mode: can.mode, closeOnExec: true, nonBlocking: true })._unsafeUnwrap();
      expect(Number.isInteger(fd) && fd >= 0).toBe(true);
      expect(backend.close(fd).isOk()).toBe(true);
      expect(backend.close(fd)._unsafeUnwrapErr().errno).toBe("EBADF");
    });

    it("answers features = 0 with api 0xAA, the supported set and the base ioctls", () => {
      withFd((backend, fd) => {
        const reply = backend.api(fd, UFFD_API, 0n)._unsafeUnwrap();
        expect(reply.api).toBe(UFFD_API);
        expect(reply.features & ~KNOWN_FEATURES_MASK).toBe(0n);
        if (!can.features) expect(reply.features).toBe(0n);
        // _UFFDIO_API (63), _UFFDIO_REGISTER (0), _UFFDIO_UNREGISTER (1).
        expect(reply.ioctls & 0x8000000000000003n).toBe(0x8000000000000003n);
      });
    });

    it.runIf(can.checksApi)(
      "refuses a wrong api version with EINVAL and a zeroed struct, and the fd stays usable",
      () => {
        withFd((backend, fd) => {
          const refused = backend.api(fd, 0xabn, 0n)._unsafeUnwrapErr();
          expect(refused.errno).toBe("EINVAL");
          expect(refused.reply).toEqual(ZERO_REPLY);
          expect(backend.api(fd, UFFD_API, 0n).isOk()).toBe(true);
        });
      },
    );

    it.runIf(can.rejectsUnknownBits)(
      "refuses an unknown bit (63) with EINVAL and a zeroed struct; the failed fd is reusable",
      () => {
        withFd((backend, fd) => {
          const refused = backend.api(fd, UFFD_API, BIT_63)._unsafeUnwrapErr();
          expect(refused.errno).toBe("EINVAL");
          expect(refused.reply).toEqual(ZERO_REPLY);
          expect(backend.api(fd, UFFD_API, 0n)._unsafeUnwrap().api).toBe(UFFD_API);
        });
      },
    );

    it.runIf(can.features)("returns the supported set, not the requested one", () => {
      const supported = supportedSet();
      const candidates = supported & ~EVENT_FORK;
      const request = candidates & -candidates;
      withFd((backend, fd) => {
        const reply = backend.api(fd, UFFD_API, request)._unsafeUnwrap();
        expect(reply.features).toBe(supported);
      });
    });

    it("refuses a second UFFDIO_API after a successful one with EINVAL, even with features = 0", () => {
      withFd((backend, fd) => {
        backend.api(fd, UFFD_API, 0n)._unsafeUnwrap();
        const again = backend.api(fd, UFFD_API, 0n)._unsafeUnwrapErr();
        expect(again.errno).toBe("EINVAL");
        if (can.zeroesOnSecondCall) expect(again.reply).toEqual(ZERO_REPLY);
      });
    });

    it.runIf(can.features && !can.eventFork)(
      "refuses EVENT_FORK without CAP_SYS_PTRACE with EPERM, before the unknown-bit check",
      () => {
        withFd((backend, fd) => {
          expect(backend.api(fd, UFFD_API, EVENT_FORK)._unsafeUnwrapErr().errno).toBe("EPERM");
          expect(backend.api(fd, UFFD_API, EVENT_FORK | BIT_63)._unsafeUnwrapErr().errno).toBe("EPERM");
          expect(backend.api(fd, UFFD_API, 0n).isOk()).toBe(true);
        });
      },
    );

    it.runIf(can.features && can.eventFork)("grants EVENT_FORK to a CAP_SYS_PTRACE holder", () => {
      withFd((backend, fd) => {
        expect(backend.api(fd, UFFD_API, EVENT_FORK).isOk()).toBe(true);
      });
    });

    it.runIf(can.features)(
      "enables exactly the request plus implied features, where the backend can tell",
      () => {
        const supported = supportedSet();
        const request = supported & ~EVENT_FORK;
        withFd((backend, fd) => {
          backend.api(fd, UFFD_API, request)._unsafeUnwrap();
          const enabled = backend.enabledFeatures?.(fd);
          if (enabled === undefined) return;
          expect(enabled._unsafeUnwrap()).toBe(withImplied(request));
        });
      },
    );

    it("negotiates every supported feature through each strategy and closes every fd it opened", () => {
      for (const strategy of ["probe", "one-shot", "auto"] as const) {
        const backend = target.create();
        const knowledge = new Knowledge();
        const policy = { ...policyOf(FeatureSet.all(), can.mode), strategy };
        for (let round = 0; round < 2; round++) {
          const session = negotiate(policy, { backend, knowledge })._unsafeUnwrap();
          expect(session.supported.covers(session.enabledSet)).toBe(true);
          expect(session.enabledSet.has("EVENT_FORK")).toBe(
            can.features && can.eventFork && session.supported.has("EVENT_FORK"),
          );
          expect(session.close().isOk()).toBe(true);
          const opened = session.trace.filter((entry) => entry.op === "open" && entry.result === "ok").length;
          const closed = session.trace.filter(
            (entry) => entry.op === "close" && entry.result === "ok",
          ).length;
          expect(closed).toBe(opened);
        }
      }
    });
  });
}

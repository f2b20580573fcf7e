import {
  type ApiFailure,
  type ApiReply,
  type Backend,
  type Errno,
  FeatureSet,
  type OpenMode,
  type OpenRequest,
  type SyscallFailure,
  UFFD_API,
  withImplied,
} from "@negotiate/core";
import { err, ok, type Result } from "neverthrow";

/** How the scripted kernel behaves. Defaults: a current kernel, privileged, every mode open. */
export interface FakeKernel {
  readonly supported?: bigint;
  readonly forkAllowed?: boolean;
  /** 4.3–4.10: any non-zero request is EINVAL. */
  readonly onlyZero?: boolean;
  /** 6.0–6.2.12: unsupported bits are accepted and dropped. */
  readonly dropsUnsupported?: boolean;
  readonly openErrno?: Partial<Record<OpenMode, Errno>>;
  /** Overrides the outcome of the Nth api call (0-based). */
  readonly apiErrnoAt?: ReadonlyMap<number, Errno>;
  /** What `enabledFeatures` reports instead of the truth. */
  readonly misreportEnabled?: bigint;
  readonly kernelRelease?: string;
}

const ZERO: ApiReply = { api: 0n, features: 0n, ioctls: 0n };
const IOCTLS = 0x8000000000000003n;

/** A scripted port for strategy tests: kernel-like per-fd state, call counts, open fds. */
export class FakeBackend implements Backend {
  readonly info;
  readonly counts = { open: 0, api: 0, close: 0 };
  readonly openFds = new Set<number>();
  readonly enabledByFd = new Map<number, bigint>();
  /** How often the kernel's view of a fd was read (`enabledFeatures`). */
  enabledReads = 0;
  private nextFd = 100;

  constructor(private readonly kernel: FakeKernel = {}) {
    this.info = { name: "fake", ...(kernel.kernelRelease ? { kernelRelease: kernel.kernelRelease } : {}) };
  }

  get supported(): bigint {
    return this.kernel.supported ?? FeatureSet.all().mask;
  }

  open(request: OpenRequest): Result<number, SyscallFailure> {
    this.counts.open++;
    const errno = this.kernel.openErrno?.[request.mode];
    if (errno) return err({ errno });
    const fd = this.nextFd++;
    this.openFds.add(fd);
    return ok(fd);
  }

  api(fd: number, api: bigint, features: bigint): Result<ApiReply, ApiFailure> {
    const call = this.counts.api++;
    const fail = (errno: Errno) => err({ errno, reply: ZERO });
    const scripted = this.kernel.apiErrnoAt?.get(call);
    if (scripted) return fail(scripted);
    if (!this.openFds.has(fd)) return fail("EBADF");
    if (this.enabledByFd.has(fd) || api !== UFFD_API) return fail("EINVAL");
    if (this.kernel.forkAllowed === false && (features & FeatureSet.of("EVENT_FORK").mask) !== 0n)
      return fail("EPERM");
    if (this.kernel.onlyZero && features !== 0n) return fail("EINVAL");
    const supported = this.kernel.onlyZero ? 0n : this.supported;
    if (!this.kernel.dropsUnsupported && (features & ~supported) !== 0n) return fail("EINVAL");
    this.enabledByFd.set(fd, withImplied(features & supported) & supported);
    return ok({ api: UFFD_API, features: supported, ioctls: IOCTLS });
  }

  close(fd: number): Result<void, SyscallFailure> {
    this.counts.close++;
    if (!this.openFds.delete(fd)) return err({ errno: "EBADF" });
    this.enabledByFd.delete(fd);
    return ok(undefined);
  }

  enabledFeatures(fd: number): Result<bigint, SyscallFailure> {
    this.enabledReads++;
    const enabled = this.enabledByFd.get(fd);
    if (enabled === undefined) return err({ errno: "EBADF" });
    return ok(this.kernel.misreportEnabled ?? enabled);
  }
}

import {
  type ApiFailure,
  type ApiReply,
  type Denial,
  type Errno,
  featureBit,
  type OpenMode,
  type OpenRequest,
  type PermissionCause,
  type SyscallFailure,
  UFFD_API,
  withImplied,
} from "@negotiate/core/engine";
import { err, ok, type Result } from "neverthrow";
import type { MockBackend, MockBackendInfo, MockCallCounts } from "./mock-options.js";
import type { KernelModel } from "./simulated-kernel.js";

const EVENT_FORK = featureBit("EVENT_FORK");
const ZERO_REPLY: ApiReply = Object.freeze({ api: 0n, features: 0n, ioctls: 0n });
const FIRST_FD = 3;
// Results are immutable: the hot path hands out shared ones instead of allocating.
const CLOSED = Object.freeze(ok<void, SyscallFailure>(undefined));
const EBADF = Object.freeze(err<never, SyscallFailure>(Object.freeze({ errno: "EBADF" })));
const EMFILE = Object.freeze(err<never, SyscallFailure>(Object.freeze({ errno: "EMFILE" })));
const NOT_ENABLED = Object.freeze(ok<bigint, SyscallFailure>(0n));

/** What the kernel keeps per uffd: whether `UFFDIO_API` succeeded, and what it enabled. */
interface FdState {
  initialised: boolean;
  enabled: bigint;
}

type Op = "open" | "api" | "close";

/** A kernel model behind the port, with per-fd state, call counts and injected faults. */
export class SimulatedBackend implements MockBackend {
  readonly info: MockBackendInfo;
  private readonly fds = new Map<number, FdState>();
  private readonly calls = { open: 0, api: 0, close: 0 };
  private readonly faults: ReadonlyMap<Op, ReadonlyMap<number, Errno>>;
  private readonly success: Result<ApiReply, ApiFailure>;

  constructor(private readonly model: KernelModel) {
    this.info = {
      name: "mock",
      kernelRelease: model.release,
      arch: model.arch,
      ...(model.distro ? { distro: model.distro.id } : {}),
      simulating: model.simulating,
      warnings: model.warnings,
    };
    this.success = Object.freeze(
      ok(Object.freeze({ api: UFFD_API, features: model.supported, ioctls: model.ioctls })),
    );
    const faults = new Map<Op, Map<number, Errno>>();
    for (const fault of model.faults) {
      const byCall = faults.get(fault.op) ?? new Map<number, Errno>();
      byCall.set(fault.call, fault.errno);
      faults.set(fault.op, byCall);
    }
    this.faults = faults;
  }

  get counts(): MockCallCounts {
    return { ...this.calls };
  }

  openFds(): readonly number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }

  open(request: OpenRequest): Result<number, SyscallFailure> {
    const injected = this.injected("open", ++this.calls.open);
    if (injected) return err({ errno: injected });
    const rule = this.model.opens[request.mode];
    if (rule.path === "device-file") {
      if (!this.hasRoom(1)) return EMFILE;
      if (rule.refusal) return err({ errno: rule.refusal.errno });
      if (!this.hasRoom(2)) return EMFILE;
      const device = this.allocate();
      const fd = this.allocate();
      this.fds.delete(device);
      return ok(fd);
    }
    if (rule.refusal) return err({ errno: rule.refusal.errno });
    if (!this.hasRoom(1)) return EMFILE;
    return ok(this.allocate());
  }

  api(fd: number, api: bigint, features: bigint): Result<ApiReply, ApiFailure> {
    const injected = this.injected("api", ++this.calls.api);
    if (injected) return err({ errno: injected, reply: ZERO_REPLY });
    const state = this.fds.get(fd);
    // EBADF and, before 5.15, a repeated call fail before the struct is touched: it reads back as sent.
    if (!state) return err({ errno: "EBADF", reply: { api, features, ioctls: 0n } });
    const lateCheck = this.model.behaviour.initialisedCheckedLast;
    if (state.initialised && !lateCheck)
      return err({ errno: "EINVAL", reply: { api, features, ioctls: 0n } });
    const enabled = this.accept(api, features);
    if (typeof enabled === "string") return err({ errno: enabled, reply: ZERO_REPLY });
    if (state.initialised) return err({ errno: "EINVAL", reply: ZERO_REPLY });
    state.initialised = true;
    state.enabled = enabled;
    return this.success;
  }

  close(fd: number): Result<void, SyscallFailure> {
    const injected = this.injected("close", ++this.calls.close);
    // close(2) releases the fd even when it reports an error.
    const released = this.fds.delete(fd);
    if (injected) return err({ errno: injected });
    return released ? CLOSED : EBADF;
  }

  enabledFeatures(fd: number): Result<bigint, SyscallFailure> {
    const state = this.fds.get(fd);
    if (!state) return EBADF;
    return state.initialised ? ok(state.enabled) : NOT_ENABLED;
  }

  explainDenial(denial: Denial): PermissionCause {
    if (denial.op === "open") {
      const refusal = this.model.opens[denial.mode].refusal;
      if (refusal?.errno === denial.errno && refusal.cause) return refusal.cause;
    } else if (denial.errno === "EPERM" && (denial.features & EVENT_FORK) !== 0n && !this.model.forkAllowed) {
      return { kind: "capability", capability: "CAP_SYS_PTRACE", feature: "EVENT_FORK" };
    }
    return {
      kind: "filter",
      detail: `the mock's kernel would not refuse this with ${denial.errno}: a fault injected through its "faults" option`,
    };
  }

  explainUnavailable(mode: OpenMode): PermissionCause | undefined {
    const refusal = this.model.opens[mode].refusal;
    return refusal?.errno === "ENOSYS" ? refusal.cause : undefined;
  }

  // UFFDIO_API's checks in the release's order; the enabled set on success, the errno otherwise.
  private accept(api: bigint, features: bigint): bigint | Errno {
    const { behaviour, known, supported, forkAllowed } = this.model;
    let request = features;
    if (behaviour.dropsUnknownBits) {
      request &= known;
    } else {
      if (api !== UFFD_API) return "EINVAL";
      if (!behaviour.rejectsMaskedBits && (features & ~known) !== 0n) return "EINVAL";
    }
    if ((request & EVENT_FORK) !== 0n && !forkAllowed) return "EPERM";
    request = withImplied(request);
    if (behaviour.rejectsMaskedBits && (request & ~supported) !== 0n) return "EINVAL";
    return request;
  }

  private injected(op: Op, call: number): Errno | undefined {
    return this.faults.get(op)?.get(call);
  }

  private hasRoom(needed: number): boolean {
    return this.fds.size + needed <= this.model.fdLimit;
  }

  // The kernel hands out the lowest free fd; 0–2 are the standard streams.
  private allocate(): number {
    let fd = FIRST_FD;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, { initialised: false, enabled: 0n });
    return fd;
  }
}

import { type Err, ok, type Result } from "neverthrow";
import type { NegotiationPort, PortAnswer } from "../negotiation/negotiation-port.js";
import { NO_CALLS, type TraceEntry, traced } from "../negotiation/trace.js";
import type { ApiFailure, ApiReply, Backend, OpenMode, OpenRequest, SyscallFailure } from "./backend-port.js";

export const UFFD_API = 0xaan;

/** An open mode as a channel of the generic core: the request to open with, and whether to warn on using it. */
export interface UserfaultfdChannel extends OpenRequest {
  readonly key: OpenMode;
  /** `user-mode-only` reached as the fallback of `open: auto`: its session carries a warning. */
  readonly fallback: boolean;
}

/** The userfaultfd `Backend` as the generic port, with every call recorded in a trace. */
export class PortCalls implements NegotiationPort<UserfaultfdChannel> {
  /** Every call made, in order (a new array once the first call is recorded). */
  trace: TraceEntry[] = NO_CALLS;
  // The reply of the last successful query: a request for nothing on that same fd is answered from it.
  private probedFd = -1;
  private probedReply: ApiReply | undefined;

  constructor(readonly backend: Backend) {}

  /** The kernel's own enabled set (`Backend.enabledFeatures`), when the backend can read it. */
  enabledOnKernel(fd: number): Result<bigint, SyscallFailure> | undefined {
    return this.backend.enabledFeatures?.(fd);
  }

  get info() {
    return this.backend.info;
  }

  open(request: OpenRequest): Result<number, SyscallFailure> {
    const result = this.backend.open(request);
    const { mode, closeOnExec, nonBlocking } = request;
    this.trace = traced(
      this.trace,
      result.isOk()
        ? { op: "open", mode, closeOnExec, nonBlocking, result: "ok", fd: result.value }
        : { op: "open", mode, closeOnExec, nonBlocking, result: result.error.errno },
    );
    return result;
  }

  api(fd: number, features: bigint): Result<ApiReply, ApiFailure> {
    const result = this.backend.api(fd, UFFD_API, features);
    this.trace = traced(this.trace, {
      op: "api",
      fd,
      api: UFFD_API,
      features,
      result: result.isOk() ? "ok" : result.error.errno,
      reply: result.isOk() ? result.value : result.error.reply,
    });
    return result;
  }

  query(fd: number): Result<PortAnswer, SyscallFailure> {
    const result = this.api(fd, 0n);
    if (result.isErr()) return refused(result);
    this.probedFd = fd;
    this.probedReply = result.value;
    return result;
  }

  request(fd: number, features: bigint): Result<PortAnswer, SyscallFailure> {
    if (features === 0n && fd === this.probedFd && this.probedReply) return ok(this.probedReply);
    const result = this.api(fd, features);
    return result.isOk() ? result : refused(result);
  }

  close(fd: number): Result<void, SyscallFailure> {
    if (fd === this.probedFd) this.probedFd = -1;
    const result = this.backend.close(fd);
    this.trace = traced(this.trace, { op: "close", fd, result: result.isOk() ? "ok" : result.error.errno });
    return result;
  }
}

// An Err carries no value: the same object serves as the port's Err without a new allocation.
const refused = (result: Err<ApiReply, ApiFailure>): Result<PortAnswer, SyscallFailure> =>
  result as unknown as Err<PortAnswer, SyscallFailure>;

/** The userfaultfd `Backend` as a generic `NegotiationPort` (what the core negotiates through), with its trace. */
export const userfaultfdNegotiationPort = (backend: Backend): NegotiationPort<UserfaultfdChannel> =>
  new PortCalls(backend);

import type { Result } from "neverthrow";
import type { ApiFailure, ApiReply, Backend, OpenRequest, SyscallFailure } from "../backend/backend-port.js";
import type { TraceEntry } from "./trace.js";

export const UFFD_API = 0xaan;

/** The port, with every call recorded in a trace. */
export class PortCalls {
  readonly trace: TraceEntry[] = [];

  constructor(readonly backend: Backend) {}

  open(request: OpenRequest): Result<number, SyscallFailure> {
    const result = this.backend.open(request);
    const { mode, closeOnExec, nonBlocking } = request;
    this.trace.push(
      result.isOk()
        ? { op: "open", mode, closeOnExec, nonBlocking, result: "ok", fd: result.value }
        : { op: "open", mode, closeOnExec, nonBlocking, result: result.error.errno },
    );
    return result;
  }

  api(fd: number, features: bigint): Result<ApiReply, ApiFailure> {
    const result = this.backend.api(fd, UFFD_API, features);
    this.trace.push({
      op: "api",
      fd,
      api: UFFD_API,
      features,
      result: result.isOk() ? "ok" : result.error.errno,
      reply: result.isOk() ? result.value : result.error.reply,
    });
    return result;
  }

  close(fd: number): Result<void, SyscallFailure> {
    const result = this.backend.close(fd);
    this.trace.push({ op: "close", fd, result: result.isOk() ? "ok" : result.error.errno });
    return result;
  }
}

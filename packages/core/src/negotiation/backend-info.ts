import type { Errno } from "../errno.js";

/** A call the kernel refused, as the errno it returned. */
export interface SyscallFailure {
  readonly errno: Errno;
}

/** What a backend says about itself. */
export interface BackendInfo {
  /** Short name, e.g. `linux` or `mock`. */
  readonly name: string;
  /** Kernel release (`uname -r`) when known. */
  readonly kernelRelease?: string;
  /** Machine architecture (`x86_64`, `arm64`, …) when known. */
  readonly arch?: string;
}

import type { NegotiationError } from "@negotiate/core/engine";
import { err, type Result } from "neverthrow";
import type { BindingFailure } from "./bindings.js";

/** Where a port runs, and how it binds libc: the process's own values unless a test says otherwise. */
export interface PortHost<L> {
  readonly platform: string;
  readonly arch: string;
  readonly loadLibc: () => Result<L, BindingFailure>;
}

/** What a port needs from its host, and how its errors name it. */
export interface PortRequirements<N> {
  /** The kernel interface, as messages name it ("userfaultfd", "Landlock"). */
  readonly interfaceName: string;
  /** The port, as `backend-unavailable` messages name it ("the Linux backend"). */
  readonly portName: string;
  /** This interface's numbers for an architecture, or undefined where none are known. */
  readonly numbersFor: (arch: string) => N | undefined;
  /** What an unknown architecture lacks, with its verb ("syscall number is", "syscall numbers are"). */
  readonly numbersPhrase: string;
}

/**
 * Builds a port once the host is Linux, its architecture has known numbers and koffi binds libc. Errors:
 * `backend-unavailable` off Linux or when koffi cannot load; `unsupported` (`unknown-arch`) otherwise.
 */
export function portForHost<L, N, P>(
  host: PortHost<L>,
  requirements: PortRequirements<N>,
  build: (libc: L, numbers: N) => P,
): Result<P, NegotiationError> {
  const unavailable = (reason: string): NegotiationError => ({
    kind: "backend-unavailable",
    backend: "linux",
    reason,
    message: `${requirements.portName} is unavailable: ${reason}`,
  });
  if (host.platform !== "linux") {
    return err(unavailable(`${requirements.interfaceName} exists only on Linux; this is ${host.platform}`));
  }
  const numbers = requirements.numbersFor(host.arch);
  if (numbers === undefined) {
    return err({
      kind: "unsupported",
      reason: "unknown-arch",
      attempts: [],
      message: `no ${requirements.interfaceName} ${requirements.numbersPhrase} known for the ${host.arch} architecture`,
    });
  }
  return host
    .loadLibc()
    .mapErr((failure) => unavailable(`koffi could not bind libc: ${failure.reason}`))
    .map((libc) => build(libc, numbers));
}

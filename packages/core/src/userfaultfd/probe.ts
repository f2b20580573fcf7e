import { err, ok, type Result } from "neverthrow";
import { type Errno, isExhaustionErrno } from "../errno.js";
import type { NegotiationError, OpenAttempt, PermissionCause } from "../errors.js";
import { resourceExhausted, unexpected } from "../negotiation/failures.js";
import { checkOptions, type NegotiateOptions } from "../negotiation/negotiate.js";
import { processKnowledge } from "../negotiation/negotiation-cache.js";
import type { TraceEntry } from "../negotiation/trace.js";
import { type BackendInfo, OPEN_MODES, type OpenMode } from "./backend-port.js";
import { type FeatureSet, featureSetOfU64 } from "./feature-set.js";
import { PortCalls } from "./port-calls.js";
import { openCauseOf, openRefused } from "./userfaultfd-failures.js";

/** Whether one open mode works for this caller, and why not. */
export type OpenModeReport =
  | { readonly mode: OpenMode; readonly ok: true }
  | { readonly mode: OpenMode; readonly ok: false; readonly errno: Errno; readonly cause?: PermissionCause };

/** What a kernel offers this caller, learned without keeping a fd. */
export interface Capabilities {
  /** Every feature the kernel supports (the `features` a `features = 0` call returned). */
  readonly supported: FeatureSet;
  /** The `ioctls` mask the kernel returned. */
  readonly ioctls: bigint;
  /** Every open mode, in `open: auto` order, with its outcome. */
  readonly openModes: readonly OpenModeReport[];
  /** The mode whose fd was probed. */
  readonly probedWith: OpenMode;
  readonly backend: BackendInfo;
  readonly trace: readonly TraceEntry[];
}

/**
 * Tries every open mode and probes the supported set (`features = 0`) on the first fd that opens.
 * Every fd is closed before it returns. What it learns is remembered for `auto`.
 */
export function probe(options: NegotiateOptions): Result<Capabilities, NegotiationError> {
  const invalid = checkOptions("probe", options);
  if (invalid !== undefined) return err(invalid);
  const calls = new PortCalls(options.backend);
  const known = (options.knowledge ?? processKnowledge).of(options.backend);
  const openModes: OpenModeReport[] = [];
  let probed: { readonly mode: OpenMode; readonly features: bigint; readonly ioctls: bigint } | undefined;
  for (const mode of OPEN_MODES) {
    const opened = calls.open({ mode, closeOnExec: true, nonBlocking: true });
    if (opened.isErr()) {
      const errno = opened.error.errno;
      if (isExhaustionErrno(errno)) return err(resourceExhausted(errno, "open", calls.trace));
      const cause = openCauseOf(options.backend, mode, errno);
      openModes.push({ mode, ok: false, errno, ...(cause ? { cause } : {}) });
      known.refused.add(mode);
      continue;
    }
    openModes.push({ mode, ok: true });
    if (!probed) {
      const reply = calls.api(opened.value, 0n);
      if (reply.isErr()) {
        calls.close(opened.value);
        return err(
          unexpected(
            `UFFDIO_API with features = 0 failed with ${reply.error.errno}`,
            reply.error.errno,
            calls.trace,
          ),
        );
      }
      probed = { mode, features: reply.value.features, ioctls: reply.value.ioctls };
    }
    known.supported.set(mode, probed.features);
    calls.close(opened.value);
  }
  if (!probed) {
    const attempts: OpenAttempt[] = openModes.flatMap((report) => (report.ok ? [] : [report]));
    return err(openRefused(attempts, calls.trace));
  }
  return ok({
    supported: featureSetOfU64(probed.features),
    ioctls: probed.ioctls,
    openModes,
    probedWith: probed.mode,
    backend: options.backend.info,
    trace: calls.trace,
  });
}

import type { Errno } from "../errno.js";
import type { ApiReply, OpenMode } from "../userfaultfd/backend-port.js";

/** One port call a negotiation made, with its outcome: `ok` or the errno. Queries that make no fd have `fd` undefined. */
export type TraceEntry =
  | {
      readonly op: "open";
      readonly mode: OpenMode;
      readonly closeOnExec: boolean;
      readonly nonBlocking: boolean;
      readonly result: "ok" | Errno;
      readonly fd?: number;
    }
  | {
      readonly op: "api";
      readonly fd: number;
      readonly api: bigint;
      readonly features: bigint;
      readonly result: "ok" | Errno;
      readonly reply: ApiReply;
    }
  | { readonly op: "close"; readonly fd: number; readonly result: "ok" | Errno }
  /** A call of another interface's port, as it names it. */
  | { readonly op: "call"; readonly call: string; readonly result: "ok" | Errno; readonly fd?: number }
  /** `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`. */
  | {
      readonly op: "landlock-version";
      readonly result: "ok" | Errno;
      readonly abi?: number;
      readonly fd?: undefined;
    }
  /** `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_ERRATA)`. */
  | {
      readonly op: "landlock-errata";
      readonly result: "ok" | Errno;
      readonly errata?: bigint;
      readonly fd?: undefined;
    }
  /** `landlock_create_ruleset(&attr, sizeof attr, 0)` with these handled fields. */
  | {
      readonly op: "landlock-create-ruleset";
      readonly fs: bigint;
      readonly net: bigint;
      readonly scoped: bigint;
      readonly result: "ok" | Errno;
      readonly fd?: number;
    };

/** The trace a port starts with: no call yet (frozen; `traced` makes the first array). */
export const NO_CALLS: TraceEntry[] = Object.freeze([]) as unknown as TraceEntry[];

/**
 * `trace` with `entry` appended: the same array, or for the first entry an array of one (growing an empty array
 * allocates room for sixteen, for a trace that holds one or two entries on the hot path).
 */
export function traced(trace: TraceEntry[], entry: TraceEntry): TraceEntry[] {
  if (trace.length === 0) return [entry];
  trace.push(entry);
  return trace;
}

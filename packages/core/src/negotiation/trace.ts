import type { ApiReply, OpenMode } from "../backend/backend-port.js";
import type { Errno } from "../errno.js";

/** One port call a negotiation made, with its outcome: `ok` or the errno. */
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
  | { readonly op: "close"; readonly fd: number; readonly result: "ok" | Errno };

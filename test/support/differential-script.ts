import type { ApiReply, Backend, Errno, OpenMode } from "@negotiate/core";

/** One random request sequence on a fresh fd: how to open it, then the `UFFDIO_API` calls to make on it. */
export interface RequestScript {
  readonly mode: OpenMode;
  readonly closeOnExec: boolean;
  readonly nonBlocking: boolean;
  readonly calls: readonly { readonly api: bigint; readonly features: bigint }[];
}

/** What a backend answered: the open, each call's reply or errno (with the struct as left), the enabled set. */
export type ScriptOutcome =
  | { readonly open: Errno }
  | {
      readonly open: "ok";
      readonly calls: readonly (
        | { readonly ok: ApiReply }
        | { readonly errno: Errno; readonly reply: ApiReply }
      )[];
      readonly enabled: bigint | Errno;
    };

/** Runs each script on `backend`, closing every fd it opened. */
export function runScripts(backend: Backend, scripts: readonly RequestScript[]): ScriptOutcome[] {
  return scripts.map((script) => {
    const opened = backend.open(script);
    if (opened.isErr()) return { open: opened.error.errno };
    const fd = opened.value;
    const calls = script.calls.map(({ api, features }) =>
      backend.api(fd, api, features).match(
        (reply) => ({ ok: reply }),
        (failure) => ({ errno: failure.errno, reply: failure.reply }),
      ),
    );
    const enabled = backend.enabledFeatures?.(fd).match(
      (mask): bigint | Errno => mask,
      (failure) => failure.errno,
    );
    backend.close(fd);
    return { open: "ok", calls, enabled: enabled ?? "ENOSYS" };
  });
}

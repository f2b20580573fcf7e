import type { LandlockPort } from "@negotiate/core/landlock";
import type { MockLandlockPort } from "@negotiate/mock";
import { err, ok, type Result } from "neverthrow";
import { type BackendFlags, NEWEST_KERNEL } from "./backend-options.js";
import { givenMockFlags } from "./backend-selection.js";
import { type CliError, invalidFlag } from "./cli-error.js";

/** The Landlock port the flags chose, or why a replayed profile has none. */
export type LandlockPortChoice =
  | { readonly kind: "linux"; readonly port: LandlockPort }
  | { readonly kind: "mock"; readonly port: MockLandlockPort }
  | {
      readonly kind: "none";
      readonly note: string;
      readonly backend: { readonly name: string; readonly kernelRelease: string; readonly arch: string };
    };

/**
 * The Landlock port for the backend `flags` describe (checked by `backendFromFlags` already): this kernel's,
 * the mock for `--kernel`/`--arch`/`--root`, or the capture in `--profile` (a version 1 profile has none).
 * Errors: the Linux port's (`backend-unavailable`, `unsupported`), `invalid-flag` for a value the Landlock
 * mock refuses, the profile file's.
 */
export async function landlockPortFromFlags(
  flags: BackendFlags,
): Promise<Result<LandlockPortChoice, CliError>> {
  if (flags.backend !== "mock" && givenMockFlags(flags).length === 0) {
    const { landlockBackend } = await import("@negotiate/linux");
    return landlockBackend().map((port) => ({ kind: "linux" as const, port }));
  }
  const { createLandlockMockBackend, landlockMockFromCapture } = await import("@negotiate/mock");
  if (flags.profile !== undefined) {
    const { readHostProfile } = await import("./host-profile-file.js");
    const profile = readHostProfile(flags.profile);
    if (profile.isErr()) return err(profile.error);
    const { release, arch } = profile.value.kernel;
    const replayed = landlockMockFromCapture(profile.value);
    return ok(
      replayed.isErr()
        ? {
            kind: "none",
            note: replayed.error.message,
            backend: { name: "mock", kernelRelease: release, arch },
          }
        : { kind: "mock", port: replayed.value },
    );
  }
  const port = createLandlockMockBackend({
    kernel: flags.kernel ?? NEWEST_KERNEL,
    ...(flags.arch === undefined ? {} : { arch: flags.arch }),
    capSysAdmin: flags.root === true,
  });
  if (port.isErr()) {
    const flag = port.error.field === "arch" ? "--arch" : "--kernel";
    const value = String((flag === "--arch" ? flags.arch : flags.kernel) ?? port.error.value);
    return err(
      invalidFlag(flag, value, [
        port.error.kind === "invalid-option" ? port.error.expected : port.error.reason,
      ]),
    );
  }
  return ok({ kind: "mock", port: port.value });
}

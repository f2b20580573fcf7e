import type { HostProfileError, NegotiationError } from "@negotiate/core";
import type { LandlockRightName } from "@negotiate/core/landlock";

/**
 * Everything a command can fail with: the SDK's own errors plus the CLI's invalid input.
 * - `invalid-flag`: a flag's value is not one it accepts (`flag` as typed, e.g. `--kernel`).
 * - `file-error`: a file named on the command line cannot be read or written (`code`: the fs error code).
 * - `invalid-profile`: a `--profile` file is not a host profile (`error` says which field).
 * - `invalid-usage`: the command line itself is wrong (`code`: commander's, e.g. `commander.unknownOption`).
 * - `internal`: something threw that nothing expected (a bug), as one line.
 */
export type CliError =
  | NegotiationError
  | NegotiationError<LandlockRightName>
  | {
      readonly kind: "invalid-flag";
      readonly flag: string;
      readonly value: string;
      readonly expected: readonly string[];
      readonly message: string;
    }
  | { readonly kind: "file-error"; readonly file: string; readonly code: string; readonly message: string }
  | {
      readonly kind: "invalid-profile";
      readonly file: string;
      readonly error: HostProfileError;
      readonly message: string;
    }
  | { readonly kind: "invalid-usage"; readonly code: string; readonly message: string }
  | { readonly kind: "internal"; readonly message: string };

/** The process exit codes. */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The negotiation failed: the kernel or the environment cannot satisfy the policy. */
  failed: 1,
  /** Invalid input: a policy, a flag, a file, an unknown feature. */
  invalidInput: 2,
  /** A bug: something threw that nothing expected (EX_SOFTWARE). */
  internal: 70,
  /** `exec`: the command was found but cannot run (EACCES, ENOEXEC…), as a shell says it. */
  notRunnable: 126,
  /** `exec`: the command was not found, as a shell says it. */
  notFound: 127,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of an error. */
export function exitCodeOf(error: CliError): ExitCode {
  switch (error.kind) {
    case "invalid-policy":
    case "unknown-feature":
    case "invalid-flag":
    case "file-error":
    case "invalid-profile":
    case "invalid-usage":
      return EXIT.invalidInput;
    case "internal":
      return EXIT.internal;
    case "missing-required":
    case "missing-optional":
    case "permission-denied":
    case "unsupported":
    case "kernel-rejected":
    case "resource-exhausted":
    case "backend-unavailable":
    case "threads-unconfined":
    case "unexpected":
      return EXIT.failed;
  }
}

/** An invalid flag value, named as the user typed it; the message says why, or what would be right. */
export function invalidFlag(
  flag: string,
  value: string,
  expected: readonly string[],
  message?: string,
): CliError {
  return {
    kind: "invalid-flag",
    flag,
    value,
    expected,
    message: message ?? `${flag} ${JSON.stringify(value)} is invalid; expected ${expected.join(" | ")}`,
  };
}

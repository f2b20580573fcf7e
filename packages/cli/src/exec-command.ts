import type { NegotiationError } from "@negotiate/core";
import type {
  LandlockEnforcement,
  LandlockPolicy,
  LandlockPort,
  LandlockRightName,
  LandlockSession,
} from "@negotiate/core/landlock";
import { Result } from "neverthrow";
import { type CliError, EXIT, type ExitCode, exitCodeOf, invalidFlag } from "./cli-error.js";
import { reportFailure } from "./error-text.js";
import { type ExecReportFlags, type ExecReportTarget, openExecReport } from "./exec-report.js";
import { writeJson } from "./json-output.js";
import type { CliIo } from "./output.js";
import { escapeValue } from "./terminal-text.js";

/** The flags of `negotiate exec`. */
export interface ExecFlags extends ExecReportFlags {
  readonly policy: string;
  /** Only `linux`: a simulated kernel cannot confine a real command. */
  readonly backend?: string;
}

type AnyPolicy = LandlockPolicy<LandlockRightName, LandlockRightName>;

/** The steps of `exec` that come from elsewhere; tests and the CLI pass the same shape. */
export interface ExecSteps {
  /** The `landlock:` section of the policy file. Errors: as `negotiate run` reports a policy's. */
  readonly readPolicy: (file: string) => Result<AnyPolicy, CliError>;
  /** Negotiates the section with the kernel behind `port`, its rules added. */
  readonly negotiate: (
    port: LandlockPort,
    policy: AnyPolicy,
  ) => Result<LandlockSession<LandlockRightName, LandlockRightName>, NegotiationError<LandlockRightName>>;
}

/** What the JSON report says; written before the exec, so the command's own output follows it. */
function reportOf(
  session: LandlockSession<never>,
  enforcement: LandlockEnforcement,
  command: readonly string[],
) {
  return {
    ok: true,
    command,
    abi: session.abi,
    errata: session.errata,
    coverage: session.coverage,
    rights: session.rights,
    rules: session.rules,
    enforcement,
    warnings: session.warnings,
  };
}

const writeReport = (target: ExecReportTarget, value: unknown) =>
  Result.fromThrowable(
    () => target.stream && writeJson(target.stream, value),
    (cause): CliError => ({
      kind: "file-error",
      file: "the report",
      code: (cause as NodeJS.ErrnoException | null)?.code ?? "EIO",
      message: `cannot write the report: ${cause instanceof Error ? cause.message : String(cause)}`,
    }),
  )();

/** Reports a failure: as JSON where the report goes (never stdout), else as text on stderr. */
function fail(error: CliError, target: ExecReportTarget | undefined, io: CliIo): ExitCode {
  if (!target?.stream) {
    target?.close();
    return reportFailure(error, io, false);
  }
  writeReport(target, { ok: false, error });
  target.close();
  return exitCodeOf(error);
}

/**
 * `negotiate exec --policy FILE -- COMMAND [ARGS…]`: negotiates the policy's `landlock:` section with this
 * kernel, adds its rules, sets no_new_privs, restricts, then replaces this process with the command (execvp:
 * `PATH` searched, the environment inherited). The command is the process from then on: its exit code is the
 * exit code. Without TSYNC only the calling thread is restricted, and that is enough here: execve ends every
 * other thread and the new program starts from the calling thread alone, confined whole.
 * Exit codes when the command never ran: 1 (the negotiation or the confinement failed), 2 (invalid input, the
 * mock backend), 126/127 (the command cannot run / is not found, inside the sandbox), 70 (a bug).
 */
export async function execCommand(
  flags: ExecFlags,
  command: readonly string[],
  io: CliIo,
  steps: ExecSteps,
): Promise<ExitCode> {
  const backend = flags.backend ?? "linux";
  if (backend !== "linux") {
    const why =
      backend === "mock"
        ? "exec confines a real command, which needs this machine's kernel: a simulated kernel cannot (use `negotiate run --backend mock` to see what a policy gets there)"
        : undefined;
    return fail(invalidFlag("--backend", backend, ["linux"], why), undefined, io);
  }
  if (command.length === 0 || command[0] === "") {
    const message = "missing the command: negotiate exec --policy FILE -- COMMAND [ARGS…]";
    return fail({ kind: "invalid-usage", code: "missing-command", message }, undefined, io);
  }
  const opened = openExecReport(flags, io.stderr);
  if (opened.isErr()) return fail(opened.error, undefined, io);
  const target = opened.value;
  const policy = steps.readPolicy(flags.policy);
  if (policy.isErr()) return fail(policy.error, target, io);
  const { landlockBackend, execCommand: replaceProcess } = await import("@negotiate/linux");
  const session = landlockBackend().andThen((port) => steps.negotiate(port, policy.value));
  if (session.isErr()) return fail(session.error, target, io);
  using confined = session.value;
  // execNext: the exec below ends the threads restrict_self leaves out.
  const enforced = confined.enforce({ execNext: true });
  if (enforced.isErr()) return fail(enforced.error, target, io);
  const written = writeReport(target, reportOf(confined as LandlockSession<never>, enforced.value, command));
  target.close();
  if (written.isErr()) return fail(written.error, undefined, io);
  if (!target.stream)
    for (const warning of confined.warnings) io.stderr.write(`negotiate: warning: ${escapeValue(warning)}\n`);
  const [file, ...args] = command as [string, ...string[]];
  return replaceProcess(file, args).match(
    (never) => never,
    (failure) => {
      io.stderr.write(`negotiate: ${escapeValue(failure.message)}\n`);
      return failure.exitCode === 2 ? EXIT.invalidInput : failure.exitCode;
    },
  );
}

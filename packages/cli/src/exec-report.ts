import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { err, ok, Result } from "neverthrow";
import { type CliError, invalidFlag } from "./cli-error.js";
import type { OutputStream } from "./output.js";

/** Where `negotiate exec` writes its JSON report: never stdout, which is the command's. */
export interface ExecReportFlags {
  /** Write the report as JSON (to stderr unless a file or fd is given). */
  readonly json?: boolean;
  /** A file to write the JSON report to (created or replaced). */
  readonly jsonReport?: string;
  /** An open fd to write the JSON report to (2 and up; the command inherits it as it is). */
  readonly reportFd?: string;
}

/** The report's destination, opened before the process is confined (the sandbox may not allow it after). */
export interface ExecReportTarget {
  /** `undefined`: no JSON report, warnings and errors as text on stderr. */
  readonly stream: OutputStream | undefined;
  /** Closes what was opened here (a `--json-report` file); a given fd stays the caller's. */
  close(): void;
}

const MAX_FD = 0x7fff_ffff;

const fdStream = (fd: number): OutputStream => ({
  write(text: string) {
    let pending = Buffer.from(text);
    while (pending.length > 0) pending = pending.subarray(writeSync(fd, pending));
  },
});

// Non-blocking: a FIFO nobody reads fails at once (ENXIO) instead of hanging exec before the command runs.
const REPORT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK;

const openReportFile = (file: string) =>
  Result.fromThrowable(
    () => openSync(file, REPORT_FLAGS, 0o644),
    (cause): CliError => {
      const code = (cause as NodeJS.ErrnoException | null)?.code ?? "EIO";
      const why = code === "ENXIO" ? " (a FIFO that nobody reads)" : "";
      return { kind: "file-error", file, code, message: `cannot write ${file}: ${code}${why}` };
    },
  )();

const isOpenFd = Result.fromThrowable(
  (fd: number) => fstatSync(fd),
  () => undefined,
);

/**
 * Opens where the report goes: `--json-report FILE` (O_CLOEXEC, as Node opens every file), `--report-fd N`
 * (checked open), `--json` alone: stderr. Errors (exit 2): both a file and a fd, a fd that is not a number of
 * 2 and up or not open, a file that cannot be written.
 */
export function openExecReport(
  flags: ExecReportFlags,
  stderr: OutputStream,
): Result<ExecReportTarget, CliError> {
  const none = { close: () => {} };
  if (flags.jsonReport !== undefined && flags.reportFd !== undefined)
    return err(
      invalidFlag(
        "--report-fd",
        flags.reportFd,
        ["--json-report FILE or --report-fd N, not both"],
        "--json-report and --report-fd both name where the report goes: give one",
      ),
    );
  if (flags.reportFd !== undefined) {
    const fd = /^\d{1,10}$/.test(flags.reportFd) ? Number(flags.reportFd) : Number.NaN;
    if (!(fd >= 2 && fd <= MAX_FD))
      return err(
        invalidFlag("--report-fd", flags.reportFd, ["an open fd, 2 or above (1 is the command's stdout)"]),
      );
    if (isOpenFd(fd).isErr())
      return err(
        invalidFlag(
          "--report-fd",
          flags.reportFd,
          ["an open fd"],
          `--report-fd ${fd} is not open in this process`,
        ),
      );
    return ok({ ...none, stream: fdStream(fd) });
  }
  if (flags.jsonReport !== undefined)
    return openReportFile(flags.jsonReport).map((fd) => ({
      stream: fdStream(fd),
      close: () => closeSync(fd),
    }));
  return ok({ ...none, stream: flags.json ? stderr : undefined });
}

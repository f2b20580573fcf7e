import { encodeHostProfile, type HostProfile } from "@negotiate/core";
import { EXIT, type ExitCode } from "./cli-error.js";
import { reportFailure } from "./error-text.js";
import { writeTextFile } from "./files.js";
import { writeJson } from "./json-output.js";
import { type CliIo, styleFor } from "./output.js";
import { escapeValue } from "./terminal-text.js";

/** The flags of `negotiate capture`. */
export interface CaptureFlags {
  readonly out?: string;
  readonly json?: boolean;
}

function landlockOf(profile: HostProfile): string {
  const captured = profile.landlock;
  if (!captured) return "";
  const { version, errata } = captured;
  if ("errno" in version) return `, Landlock unavailable (${version.errno})`;
  return `, Landlock ABI ${version.value}${"value" in errata ? ` (errata 0x${errata.value.toString(16)})` : ""}`;
}

const describe = (profile: HostProfile): string =>
  `Linux ${profile.kernel.release} ${profile.kernel.arch} as uid ${profile.privileges.uid}${landlockOf(profile)}`;

/**
 * `negotiate capture`: this host's profile for `--profile`/`mockBackend.fromCapture`. Without `--out` the
 * profile itself goes to stdout (it is JSON already); with `--json` and `--out`, a summary object does.
 */
export async function captureCommand(flags: CaptureFlags, io: CliIo): Promise<ExitCode> {
  const { linuxBackend } = await import("@negotiate/linux");
  const captured = linuxBackend().andThen((backend) => backend.capture());
  if (captured.isErr()) return reportFailure(captured.error, io, flags.json);
  const profile = captured.value;
  const text = `${encodeHostProfile(profile)}\n`;
  if (flags.out === undefined) {
    io.stdout.write(text);
    return EXIT.ok;
  }
  const written = writeTextFile(flags.out, text);
  if (written.isErr()) return reportFailure(written.error, io, flags.json);
  if (flags.json) writeJson(io.stdout, { ok: true, out: flags.out, profile });
  else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(
      `wrote the profile of ${escapeValue(describe(profile))} to ${style.paint(escapeValue(flags.out), "strong")}\nreplay it with: negotiate probe --profile ${escapeValue(flags.out)}\n`,
    );
  }
  return EXIT.ok;
}

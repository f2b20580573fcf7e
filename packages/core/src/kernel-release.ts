import { err, ok, type Result } from "neverthrow";

/** A kernel release reduced to what matters for behaviour: major, minor and patch level. */
export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** A release string that is not `major.minor[.patch][suffix]`. */
export interface InvalidKernelRelease {
  readonly release: string;
}

/** `uname -r` is at most 64 characters (`__NEW_UTS_LEN`, include/uapi/linux/utsname.h). */
export const MAX_RELEASE_LENGTH = 64;

// Numbers of at most 5 digits; a vendor suffix starts with `-`, `+`, `.`, `_` or `~` and has no spaces.
const RELEASE = /^(\d{1,5})\.(\d{1,5})(?:\.(\d{1,5}))?(?:[-+._~][0-9A-Za-z._+~-]*)?$/;

/**
 * Parses `6.1.25`, `6.8.0-45-generic` or `5.15` (patch 0), surrounding white space ignored; vendor suffixes
 * are ignored but must look like one: `5.15 or so` is refused, as is anything longer than `uname -r` can be.
 */
export function parseKernelRelease(release: string): Result<KernelVersion, InvalidKernelRelease> {
  if (typeof release !== "string") return err({ release: String(release) });
  const trimmed = release.trim();
  const match = trimmed.length > MAX_RELEASE_LENGTH ? null : RELEASE.exec(trimmed);
  if (!match)
    return err({
      release: release.length > MAX_RELEASE_LENGTH ? `${release.slice(0, MAX_RELEASE_LENGTH)}…` : release,
    });
  return ok({ major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) });
}

/** Negative when `a` is older than `b`, zero when equal, positive when newer. */
export function compareKernelVersions(a: KernelVersion, b: KernelVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `true` when `version` is `since` or newer; `since` is a `major.minor[.patch]` string known to parse. */
export function kernelAtLeast(version: KernelVersion, since: string): boolean {
  const threshold = parseKernelRelease(since);
  return threshold.isOk() && compareKernelVersions(version, threshold.value) >= 0;
}

/** `major.minor.patch`. */
export function formatKernelVersion(version: KernelVersion): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

import { err, ok, type Result } from "neverthrow";

/** A kernel release reduced to what matters for behaviour: major, minor and patch level. */
export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** A release string that does not start with `major.minor`. */
export interface InvalidKernelRelease {
  readonly release: string;
}

const RELEASE = /^(\d+)\.(\d+)(?:\.(\d+))?/;

/** Parses `6.1.25`, `6.8.0-45-generic` or `5.15` (patch 0). Vendor suffixes are ignored. */
export function parseKernelRelease(release: string): Result<KernelVersion, InvalidKernelRelease> {
  const match = RELEASE.exec(release.trim());
  if (!match) return err({ release });
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

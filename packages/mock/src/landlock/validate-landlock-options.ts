import { isErrno, parseKernelRelease } from "@negotiate/core/engine";
import { landlockAbiOfRelease, landlockMasksAt, NEWEST_LANDLOCK_ABI } from "@negotiate/core/landlock";
import { err, ok, type Result } from "neverthrow";
import { type MockOptionsError, NEWEST_MODELLED_RELEASE } from "../mock-options.js";
import {
  boolean,
  type Check,
  describe,
  type Flaw,
  flawIf,
  integerFrom,
  newerThanModelled,
  objectOf,
  oneOf,
  optionError,
} from "../validate-options.js";
import { LANDLOCK_MOCK_ARCHES } from "./landlock-arches.js";
import type { LandlockMockOptions } from "./landlock-mock-options.js";

const U32_MAX = 0xffff_ffffn;
const MAX_LAYERS = 64;

const mask =
  (max: bigint, what: string): Check =>
  (value) =>
    flawIf(typeof value !== "bigint" || value < 0n || value > max, value, what);
const integerIn =
  (min: number, max: number): Check =>
  (value) =>
    flawIf(
      !Number.isInteger(value) || (value as number) < min || (value as number) > max,
      value,
      `an integer from ${min} to ${max}`,
    );

const MAX_PATHS = 10_000;
const PATH_MAX = 4095;
const fileKind = oneOf(["file", "directory"]);

// An object of absolute paths (at most PATH_MAX bytes, no NUL) to "file" or "directory", bounded in size.
const paths: Check = (value) => {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { at: "", value, expected: 'an object of absolute paths to "file" or "directory"' };
  const entries = Object.entries(value);
  if (entries.length > MAX_PATHS)
    return { at: "", value: `(${entries.length} paths)`, expected: `at most ${MAX_PATHS} paths` };
  for (const [path, kind] of entries) {
    if (!path.startsWith("/") || path.includes("\0") || Buffer.byteLength(path) > PATH_MAX)
      return {
        at: `[${JSON.stringify(path.slice(0, 64))}]`,
        value: path.slice(0, 64),
        expected: `an absolute path of at most ${PATH_MAX} bytes`,
      };
    const flaw = fileKind(kind);
    if (flaw) return { ...flaw, at: `[${JSON.stringify(path.slice(0, 64))}]` };
  }
  return undefined;
};

const FIELDS: Readonly<Record<keyof LandlockMockOptions, Check>> = {
  kernel: (value) =>
    typeof value !== "string" || parseKernelRelease(value).isErr()
      ? {
          at: "",
          value,
          expected: 'a kernel release "major.minor[.patch][-suffix]", e.g. "6.8.0-45-generic"',
        }
      : flawIf(
          newerThanModelled(value),
          value,
          `a release no newer than ${NEWEST_MODELLED_RELEASE}, the newest the mock models`,
        ),
  arch: oneOf(LANDLOCK_MOCK_ARCHES),
  build: oneOf(["built", "not-built", "not-in-lsm"]),
  filter: (value) => flawIf(!isErrno(value), value, 'an errno name such as "EPERM" or "ENOSYS"'),
  capSysAdmin: boolean,
  noNewPrivs: boolean,
  threads: integerIn(1, 1 << 22),
  errata: mask(U32_MAX, "a bigint errata mask from 0n to 0xffffffffn"),
  fdLimit: integerFrom(0),
  paths,
  quirks: objectOf(
    {
      abi: integerIn(1, NEWEST_LANDLOCK_ABI),
      rejectedScopes: mask(U32_MAX, "a bigint scope mask from 0n to 0xffffffffn"),
      layerLimit: integerIn(1, MAX_LAYERS),
    },
    "an object of quirks { abi, rejectedScopes, layerLimit }",
  ),
};

const checkOptions = objectOf(FIELDS, "an object of Landlock mock options", ["kernel"]);

const invalid = (flaw: Flaw): MockOptionsError => optionError(flaw, "Landlock mock option", shown);

const conflict = (field: string, value: unknown, reason: string): MockOptionsError => ({
  kind: "conflicting-options",
  field,
  value,
  reason,
  message: `Landlock mock option ${field} = ${shown(value)}: ${reason}`,
});

// JSON has no bigint: masks are shown as hex.
const shown = (value: unknown): string =>
  typeof value === "bigint" ? `0x${value.toString(16)}n` : describe(value);

// One read of each own field into a plain object: a getter or Proxy trap is run once, here, and a throwing one
// is an error instead of an exception; the checks below see only the copy.
function snapshot(input: unknown): Result<unknown, MockOptionsError> {
  try {
    if (typeof input !== "object" || input === null || Array.isArray(input)) return ok(input);
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(input)) {
      const value = (input as Record<string, unknown>)[key];
      copy[key] =
        (key === "quirks" || key === "paths") &&
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value)
          ? { ...value }
          : value;
    }
    return ok(copy);
  } catch {
    return err(
      invalid({ at: "", value: "(unreadable)", expected: "a plain object of Landlock mock options" }),
    );
  }
}

/**
 * Checks Landlock mock options from an untrusted source (CLI flags, JSON, a test's table): every field's type,
 * then what the kernel makes impossible. Never throws: a Proxy or a throwing getter is an `invalid-option`.
 * Errors name the field, the value and what would be valid.
 */
export function validateLandlockMockOptions(input: unknown): Result<LandlockMockOptions, MockOptionsError> {
  return snapshot(input).andThen((copy) => {
    const flaw = checkOptions(copy);
    if (flaw) return err(invalid(flaw));
    const options = copy as LandlockMockOptions;
    // The kernel parsed above.
    const version = parseKernelRelease(options.kernel).unwrapOr({ major: 0, minor: 0, patch: 0 });
    const abi = options.quirks?.abi ?? landlockAbiOfRelease(version);
    if (options.build === "built" && abi === 0)
      return err(
        conflict(
          "build",
          options.build,
          `Landlock exists from 5.13 (kernel ${options.kernel}); give quirks.abi for a vendor backport`,
        ),
      );
    const scopes = landlockMasksAt(abi).scope;
    const rejected = options.quirks?.rejectedScopes ?? 0n;
    if ((rejected & ~scopes) !== 0n)
      return err(
        conflict(
          "quirks.rejectedScopes",
          rejected,
          `ABI ${abi} has the scopes 0x${scopes.toString(16)} only: a rejected scope must be one of them`,
        ),
      );
    return ok(Object.freeze(options));
  });
}

/** The first field of `input` outside its type (no conflict checks), or `undefined`; never throws. */
export function invalidLandlockOption(input: unknown): MockOptionsError | undefined {
  return snapshot(input).match(
    (copy) => {
      const flaw = checkOptions(copy);
      return flaw ? invalid(flaw) : undefined;
    },
    (error) => error,
  );
}

import type * as t from "io-ts";
import { err, ok, Result } from "neverthrow";
import { checkedString } from "../checked-string-codec.js";
import { type Errno, isErrno } from "../errno.js";
import { parseKernelRelease } from "../kernel-release.js";
import { LANDLOCK_CATALOGUE } from "../landlock/landlock-catalogue.js";
import type { LandlockGroup } from "../landlock/landlock-definition.js";
import { copyPlainValue } from "../policy/copy-plain-value.js";
import { ioTs } from "../policy/lazy-dependencies.js";
import { excerptValue, hasControlCharacter, quoteText } from "../policy/quote-value.js";
import type { OpenMode } from "../userfaultfd/backend-port.js";
import { U64_MAX } from "../userfaultfd/feature-set.js";
import type { CapturedAnswer, CapturedLandlock, CapturedOutcome, HostProfile } from "./host-profile.js";

/**
 * Why a host profile could not be read.
 * - `invalid-json`: the text is not JSON.
 * - `unsupported-version`: a `negotiate-host-profile` of a version this reader does not know.
 * - `invalid-field`: a field is missing or has a bad value; `path` names it (`api.supported`), `value` is what
 *   was found, `expected` what would be right.
 */
export type HostProfileError =
  | { readonly kind: "invalid-json"; readonly message: string }
  | { readonly kind: "unsupported-version"; readonly version: unknown; readonly message: string }
  | {
      readonly kind: "invalid-field";
      readonly path: string;
      readonly value: unknown;
      readonly expected: string;
      readonly message: string;
    };

// Built on first use, so that importing the SDK loads no io-ts.
const profileCodec = () => (builtCodec ??= buildProfileCodec());
let builtCodec: ReturnType<typeof buildProfileCodec> | undefined;

function buildProfileCodec() {
  const t = ioTs();
  // JSON has no u64: masks travel as `0x…` hex strings.
  const HexU64 = new t.Type<bigint, string, unknown>(
    'a u64 as a hex string ("0x1ffff")',
    (value): value is bigint => typeof value === "bigint" && value >= 0n && value <= U64_MAX,
    (value, context) =>
      typeof value === "string" && /^0x[0-9a-fA-F]{1,16}$/.test(value)
        ? t.success(BigInt(value))
        : t.failure(value, context),
    (mask) => `0x${mask.toString(16)}`,
  );
  const ErrnoName = checkedString<Errno>('an errno name ("EPERM", "ERRNO_<n>")', isErrno);
  const Release = checkedString<string>('a kernel release ("6.8.0-45-generic")', (value) =>
    parseKernelRelease(value).isOk(),
  );
  const Timestamp = checkedString<string>(
    "an ISO 8601 time",
    (value) => value.length <= 64 && !Number.isNaN(Date.parse(value)),
  );
  const Arch = checkedString<string>(
    "an architecture name (x86_64)",
    (value) => value.length > 0 && value.length <= 64 && !hasControlCharacter(value),
  );
  const Uid = t.refinement(t.number, (value) => Number.isInteger(value) && value >= 0, "a uid (integer ≥ 0)");
  const SysctlValue = t.refinement(t.number, Number.isInteger, "an integer");
  const Outcome = t.union([t.literal("ok"), t.exact(t.type({ errno: ErrnoName }))], '"ok" or { errno }');
  const Refusal = t.exact(t.type({ errno: ErrnoName }));
  const answer = <A, O>(value: t.Type<A, O, unknown>, name: string) =>
    t.union([t.exact(t.type({ value })), Refusal], `{ value: ${name} } or { errno }`);
  const Abi = t.refinement(
    t.number,
    (value) => Number.isInteger(value) && value >= 0,
    "an ABI (integer ≥ 0)",
  );
  // One optional entry per catalogue name of the groups; names this reader does not know (a newer SDK's) are
  // dropped, as unknown fields are everywhere in the profile.
  const outcomesByName = (groups: readonly LandlockGroup[]) =>
    t.exact(
      t.partial(
        Object.fromEntries(
          LANDLOCK_CATALOGUE.filter((entry) => groups.includes(entry.group)).map((entry) => [
            entry.name,
            Outcome,
          ]),
        ),
      ),
    );
  const Landlock = t.exact(
    t.type({
      version: answer(Abi, "an ABI"),
      errata: answer(HexU64, "a hex mask"),
      rights: outcomesByName(["fs", "net", "scope"]),
      restrictFlags: outcomesByName(["restrict"]),
      capSysAdmin: t.boolean,
      noNewPrivs: t.boolean,
    }),
  );
  const common = {
    format: t.literal("negotiate-host-profile"),
    capturedAt: Timestamp,
    kernel: t.exact(t.type({ release: Release, arch: Arch })),
    privileges: t.intersection([
      t.exact(t.type({ uid: Uid, capSysPtrace: t.boolean })),
      t.exact(t.partial({ unprivilegedUserfaultfd: SysctlValue })),
    ]),
    api: t.exact(t.type({ supported: HexU64, ioctls: HexU64 })),
    openModes: t.exact(t.type({ syscall: Outcome, device: Outcome, "user-mode-only": Outcome })),
    eventFork: Outcome,
  };
  return t.union(
    [
      t.exact(t.type({ ...common, version: t.literal(1) })),
      t.exact(t.type({ ...common, version: t.literal(2), landlock: Landlock })),
    ],
    "a negotiate-host-profile of version 1 or 2 (with landlock)",
  );
}

const KNOWN_VERSIONS: readonly unknown[] = [1, 2];

type Decoded = t.TypeOf<ReturnType<typeof profileCodec>>;
type DecodedOutcome = Decoded["eventFork"];
type DecodedLandlock = Extract<Decoded, { version: 2 }>["landlock"];

const outcomeOf = (outcome: DecodedOutcome): CapturedOutcome =>
  outcome === "ok" ? "ok" : { errno: outcome.errno };
const answerOf = <Value>(answer: { value: Value } | { errno: Errno }): CapturedAnswer<Value> =>
  "value" in answer ? { value: answer.value } : { errno: answer.errno };
const outcomesOf = (
  record: Readonly<Record<string, DecodedOutcome | undefined>>,
): Record<string, CapturedOutcome> =>
  Object.fromEntries(
    Object.entries(record).flatMap(([name, outcome]) => (outcome ? [[name, outcomeOf(outcome)]] : [])),
  );

function landlockOf(landlock: DecodedLandlock): CapturedLandlock {
  return {
    version: answerOf(landlock.version),
    errata: answerOf(landlock.errata),
    rights: outcomesOf(landlock.rights),
    restrictFlags: outcomesOf(landlock.restrictFlags),
    capSysAdmin: landlock.capSysAdmin,
    noNewPrivs: landlock.noNewPrivs,
  };
}

/**
 * The profile as JSON text: masks as hex strings, optional fields omitted when absent. The version follows the
 * content: 2 with a `landlock` section, 1 without, so that readers of version 1 keep reading such profiles.
 */
export function encodeHostProfile(profile: HostProfile): string {
  const { landlock, ...rest } = profile;
  const versioned = landlock ? { ...rest, version: 2 as const, landlock } : { ...rest, version: 1 as const };
  return JSON.stringify(profileCodec().encode(versioned), null, 2);
}

/**
 * Reads a profile from JSON text or from an already parsed value, checking every field. Total: a value that
 * cannot be read (a Proxy, a throwing getter) is `invalid-field`; messages quote short, escaped excerpts only.
 * Errors: `invalid-json`, `unsupported-version`, `invalid-field` (the first bad field, by path).
 */
export function decodeHostProfile(input: unknown): Result<HostProfile, HostProfileError> {
  const parsed = typeof input === "string" ? parseJson(input) : copyPlainValue(input).mapErr(unreadable);
  return parsed.andThen((value) => {
    const version = (value as { version?: unknown } | null)?.version;
    if (
      (value as { format?: unknown } | null)?.format === "negotiate-host-profile" &&
      version !== undefined &&
      !KNOWN_VERSIONS.includes(version)
    ) {
      return err<HostProfile, HostProfileError>({
        kind: "unsupported-version",
        version: excerptValue(version),
        message: `host profile version ${shown(version)} is not supported; this reader knows versions 1 and 2`,
      });
    }
    const decoded = profileCodec().decode(value);
    if (decoded._tag === "Left") return err(fieldError(decoded.left));
    const profile = decoded.right;
    const { unprivilegedUserfaultfd } = profile.privileges;
    const openModes: Record<OpenMode, CapturedOutcome> = {
      syscall: outcomeOf(profile.openModes.syscall),
      device: outcomeOf(profile.openModes.device),
      "user-mode-only": outcomeOf(profile.openModes["user-mode-only"]),
    };
    return ok<HostProfile, HostProfileError>({
      format: profile.format,
      version: profile.version,
      capturedAt: profile.capturedAt,
      kernel: { release: profile.kernel.release, arch: profile.kernel.arch },
      privileges: {
        uid: profile.privileges.uid,
        capSysPtrace: profile.privileges.capSysPtrace,
        ...(unprivilegedUserfaultfd === undefined ? {} : { unprivilegedUserfaultfd }),
      },
      api: { supported: profile.api.supported, ioctls: profile.api.ioctls },
      openModes,
      eventFork: outcomeOf(profile.eventFork),
      ...(profile.version === 2 ? { landlock: landlockOf(profile.landlock) } : {}),
    });
  });
}

const parseJson = Result.fromThrowable(
  (text: string): unknown => JSON.parse(text),
  (cause): HostProfileError => ({
    kind: "invalid-json",
    // The parser's message quotes the text: only its first words are kept, so no other file's content shows.
    message: `host profile is not JSON: ${cause instanceof Error ? firstWords(cause.message) : "syntax error"}`,
  }),
);

const firstWords = (message: string): string =>
  message
    .split(/['"]/)[0]!
    .replace(/ in JSON at position \d+.*$/, "")
    .replace(/[ ,:]+$/, "");

const unreadable = (failure: { readonly path: string; readonly message: string }): HostProfileError => ({
  kind: "invalid-field",
  path: failure.path,
  value: undefined,
  expected: "a plain negotiate-host-profile object",
  message: `host profile field ${failure.path || "(root)"} ${failure.message}`,
});

// A value for a message: strings as short escaped excerpts, anything else by its type.
const shown = (value: unknown): string =>
  typeof value === "string"
    ? quoteText(value)
    : typeof value === "number" || typeof value === "boolean" || value === null
      ? String(value)
      : Array.isArray(value)
        ? "a list"
        : `a ${typeof value}`;

// io-ts reports one error per failed union branch; the deepest path names the field best. Numeric keys are
// union and intersection branches, not fields.
function fieldError(errors: t.Errors): HostProfileError {
  const described = errors.map((error) => {
    const fields = error.context.filter((entry) => entry.key !== "" && !/^\d+$/.test(entry.key));
    return {
      path: fields.map((entry) => entry.key).join("."),
      value: error.value,
      expected: fields[fields.length - 1]?.type.name ?? "a negotiate-host-profile object",
    };
  });
  const deepest = described.reduce((best, next) =>
    next.path.split(".").length > best.path.split(".").length ? next : best,
  );
  return {
    kind: "invalid-field",
    ...deepest,
    value: excerptValue(deepest.value),
    message: `host profile field ${deepest.path || "(root)"} is ${deepest.value === undefined ? "missing" : `invalid: ${shown(deepest.value)}`}; expected ${deepest.expected}`,
  };
}

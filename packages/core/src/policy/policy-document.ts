import * as t from "io-ts";
import { catalogue, type FeatureName, type FeatureNameInput } from "../catalogue/catalogue.js";
import { canonicalFeatureName, FEATURE_NAME_PREFIX, isFeatureName } from "../catalogue/feature-lookup.js";
import { checkedString } from "../checked-string-codec.js";
import { parseKernelRelease } from "../kernel-release.js";

/**
 * The policy document format, version 1: what a policy file (YAML or JSON) and `definePolicy` accept.
 * The io-ts codecs here are the single definition of its structure; `policy-schema.json` mirrors them for
 * editors (a test keeps the two in agreement). Semantic rules (contradictions, unmeetable groups) are
 * checked after decoding, in `validate-policy.ts`.
 */

/** The presets shipped with the SDK, extended with `extends: preset:<name>` (see `presets.ts`). */
export const PRESET_NAMES = [
  "minimal",
  "live-migration-postcopy",
  "lazy-restore",
  "write-protect-snapshots",
] as const;

export type PresetName = (typeof PRESET_NAMES)[number];

/** How a document names a preset in `extends`. */
export const PRESET_PREFIX = "preset:";

/** `preset:minimal`, `preset:lazy-restore`, … */
export type PresetReference = `${typeof PRESET_PREFIX}${PresetName}`;

/** Every preset as `extends` names it, in the order of `PRESET_NAMES`. */
export const PRESET_REFERENCES: readonly PresetReference[] = PRESET_NAMES.map(
  (name) => `${PRESET_PREFIX}${name}` as const,
);

/** Every spelling a document may use for a feature: the kernel's name, bare or with `UFFD_FEATURE_`. Case matters. */
export const FEATURE_NAME_SPELLINGS: readonly FeatureNameInput[] = catalogue.flatMap((entry) => [
  entry.name,
  `${FEATURE_NAME_PREFIX}${entry.name}` as const,
]);

/** A feature name as written (`THREAD_ID` or `UFFD_FEATURE_THREAD_ID`), decoded to the catalogue's name. */
export const FeatureNameCodec = new t.Type<FeatureName, FeatureNameInput, unknown>(
  "FeatureName",
  isFeatureName,
  (input, context) => {
    const name = typeof input === "string" ? canonicalFeatureName(input) : undefined;
    return name ? t.success(name) : t.failure(input, context);
  },
  (name) => name,
);

/** A list of feature names. */
export const FeatureListCodec = t.readonlyArray(FeatureNameCodec, "FeatureList");

/** One entry of `extends`: `preset:<name>` or a path relative to the extending file. */
export const ExtendsEntryCodec = new t.Type<string, string, unknown>(
  "ExtendsEntry",
  (input): input is string => typeof input === "string",
  (input, context) => {
    if (typeof input !== "string" || input.trim() === "") return t.failure(input, context);
    if (!input.startsWith(PRESET_PREFIX)) return t.success(input);
    return (PRESET_NAMES as readonly string[]).includes(input.slice(PRESET_PREFIX.length))
      ? t.success(input)
      : t.failure(input, context);
  },
  t.identity,
);

/** `extends`: one entry or a list of them. */
export const ExtendsCodec = t.union([ExtendsEntryCodec, t.readonlyArray(ExtendsEntryCodec)], "Extends");

/** A kernel release string as `parseKernelRelease` accepts it (`5.15`, `6.1.26`); numbers are refused. */
export const KernelReleaseCodec = checkedString<string>("KernelRelease", (input) =>
  parseKernelRelease(input).isOk(),
);

const keys = <K extends string>(...names: K[]): { [P in K]: null } =>
  Object.fromEntries(names.map((name) => [name, null])) as { [P in K]: null };

/** The `features` mapping. Every list defaults to empty. */
const FeaturesCodec = t.partial(
  {
    /** Features without which the negotiation fails. */
    required: FeatureListCodec,
    /** Features requested when the kernel supports them. */
    optional: FeatureListCodec,
    /** Features never requested, even when an extended policy lists them. */
    forbidden: FeatureListCodec,
    /** Groups of alternatives in order of preference: the first supported one of each group is requested and required. */
    oneOf: t.readonlyArray(FeatureListCodec),
  },
  "Features",
);

/** Every field of a policy document; all optional here (files must also declare `version`, see `PolicyFileCodec`). */
export const PolicyDocumentCodec = t.partial(
  {
    /** Where editors find the JSON Schema; ignored by the SDK. */
    $schema: t.string,
    /** The format version; `1`. Required in files, optional in code. */
    version: t.literal(1),
    /** A label for people and logs. Not inherited through `extends`. */
    name: t.string,
    /**
     * Policies this one builds on, applied in order before this one: `preset:<name>` or a path relative to this
     * file. A later policy overrides an earlier one's scalar fields and the status of every feature it lists.
     */
    extends: ExtendsCodec,
    features: FeaturesCodec,
    /** `auto` (default), `probe` or `one-shot`: see `StrategyName`. */
    strategy: t.keyof(keys("auto", "probe", "one-shot")),
    /** `probe` (default) or `fail`: what a one-shot request does on EINVAL. */
    onReject: t.keyof(keys("probe", "fail")),
    /** `ignore` (default), `warn` or `error`: what a missing optional feature does. */
    onMissingOptional: t.keyof(keys("ignore", "warn", "error")),
    /** `auto` (default), `syscall`, `device` or `user-mode-only`: which open modes to use. */
    open: t.keyof(keys("auto", "syscall", "device", "user-mode-only")),
    /** `allow` (default), `forbid` or `require`: whether `UFFD_USER_MODE_ONLY` may be used. */
    userModeOnly: t.keyof(keys("allow", "forbid", "require")),
    /** `O_CLOEXEC` on the session fd; default `true`. */
    closeOnExec: t.boolean,
    /** `O_NONBLOCK` on the session fd; default `true`. */
    nonBlocking: t.boolean,
    /** Check the kernel's own view of the enabled set after success; default `true`. */
    verify: t.boolean,
    /** The oldest kernel release the deployment promises to run on (a string: `"5.15"`); used by lints. */
    minKernel: KernelReleaseCodec,
  },
  "PolicyDocument",
);

/** A policy file: a document that declares `version: 1`. */
export const PolicyFileCodec = t.intersection(
  [t.type({ version: t.literal(1) }), PolicyDocumentCodec],
  "PolicyFile",
);

/** A decoded document: feature names canonical. */
export type PolicyDocument = t.TypeOf<typeof PolicyDocumentCodec>;

/**
 * What `definePolicy` accepts: a document as written in code. Feature names are checked by the compiler
 * (bare or `UFFD_FEATURE_`-prefixed); `extends` can name presets only, since code has no file to be relative to.
 */
export type PolicyInput = Omit<t.OutputOf<typeof PolicyDocumentCodec>, "extends"> & {
  readonly extends?: PresetReference | readonly PresetReference[];
};

/** A file format the SDK reads and writes. JSON is read by the YAML parser too, so positions work for both. */
export type PolicyFormat = "yaml" | "json";

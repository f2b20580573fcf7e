import { parseKernelRelease } from "../kernel-release.js";
import { LANDLOCK_CATALOGUE } from "../landlock/landlock-catalogue.js";
import { LANDLOCK_PREFIXES, type LandlockGroup } from "../landlock/landlock-definition.js";
import { type LandlockRightNameOf, landlockRight } from "../landlock/landlock-lookup.js";
import { catalogue, type FeatureName, type FeatureNameInput } from "../userfaultfd/catalogue.js";
import { canonicalFeatureName, FEATURE_NAME_PREFIX } from "../userfaultfd/feature-lookup.js";
import { hasControlCharacter } from "./quote-value.js";

/**
 * The policy document format, version 1: what a policy file (YAML or JSON) and `definePolicy` accept.
 * The specs here are the single definition of its structure: the decoder (`decode-document.ts`) walks them,
 * the io-ts codecs (`policy-codecs.ts`) are built from them, and `policy-schema.json` mirrors them for editors
 * (a test keeps the three in agreement). Semantic rules (contradictions, unmeetable groups) are checked after
 * decoding, in `check-document.ts` and `merge-layers.ts`.
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

/** A scalar of the format: what it accepts is `acceptsScalar`, what it decodes to `decodeScalar`. */
export type ScalarSpec =
  /** A string of at most `maxLength` characters (code points), none of them a control character. */
  | { readonly kind: "string"; readonly maxLength: number }
  | { readonly kind: "boolean" }
  /** The format version a document declares: `1` or `2` (see `FORMAT_VERSIONS`). */
  | { readonly kind: "version"; readonly value: FormatVersion }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  /** `THREAD_ID` or `UFFD_FEATURE_THREAD_ID`, decoded to the catalogue's name. */
  | { readonly kind: "feature-name" }
  /** A quoted release `parseKernelRelease` accepts (`"5.15"`, `"6.1.26"`); numbers are refused. */
  | { readonly kind: "kernel-release" }
  /** `preset:<name>` or a path (relative to the extending file, or absolute). */
  | { readonly kind: "extends-entry" }
  /**
   * A Landlock right or flag of one of `groups`, bare (`READ_FILE`) or prefixed (`LANDLOCK_ACCESS_FS_READ_FILE`),
   * decoded to the bare name; `where` names the place in messages ("a path rule").
   */
  | { readonly kind: "landlock-right"; readonly groups: readonly LandlockGroup[]; readonly where: string }
  /** An absolute path: starts with `/`, at most `MAX_RULE_PATH_BYTES` UTF-8 bytes, no control characters. */
  | { readonly kind: "absolute-path" }
  /** A TCP port: an integer 0..65535. */
  | { readonly kind: "port" };

/** A node of the format. Mappings list their fields; unknown keys are refused. */
export type FieldSpec =
  | ScalarSpec
  /** A list; with `nonEmpty`, of at least one entry. */
  | { readonly kind: "list"; readonly of: FieldSpec; readonly nonEmpty?: boolean }
  | { readonly kind: "one-or-list"; readonly of: FieldSpec }
  | MappingSpec
  | VariantSpec;

export interface MappingSpec {
  readonly kind: "mapping";
  readonly name: string;
  readonly fields: { readonly [key: string]: FieldSpec };
  readonly required: readonly string[];
}

/**
 * A mapping that is one of several mappings, told apart by which of their keys it has: exactly one of `by`
 * (`by[i]` is a required field of `of[i]`). A Landlock rule is a path rule or a port rule.
 */
export interface VariantSpec {
  readonly kind: "variant";
  readonly name: string;
  readonly by: readonly string[];
  readonly of: readonly MappingSpec[];
}

/** The format versions this SDK reads: 1 (userfaultfd only) and 2 (one section per kernel interface). */
export const FORMAT_VERSIONS = [1, 2] as const;
export type FormatVersion = (typeof FORMAT_VERSIONS)[number];

/**
 * The longest path a Landlock rule may name, in UTF-8 bytes: Linux `PATH_MAX` (4096) counts the terminating
 * NUL, so `open(2)` answers ENAMETOOLONG from 4096 bytes on (fs/namei.c, `getname_flags`).
 */
export const MAX_RULE_PATH_BYTES = 4095;

/** The longest path `extends` may name (Linux `PATH_MAX`). */
export const MAX_PATH_LENGTH = 4096;

export const FEATURE_NAME = { kind: "feature-name" } as const satisfies FieldSpec;
export const FEATURE_LIST = { kind: "list", of: FEATURE_NAME } as const satisfies FieldSpec;
export const EXTENDS_ENTRY = { kind: "extends-entry" } as const satisfies FieldSpec;
export const EXTENDS = { kind: "one-or-list", of: EXTENDS_ENTRY } as const satisfies FieldSpec;
export const KERNEL_RELEASE = { kind: "kernel-release" } as const satisfies FieldSpec;
export const POLICY_NAME = { kind: "string", maxLength: 256 } as const satisfies FieldSpec;
export const SCHEMA_REFERENCE = { kind: "string", maxLength: MAX_PATH_LENGTH } as const satisfies FieldSpec;
export const BOOLEAN = { kind: "boolean" } as const satisfies FieldSpec;
export const STRATEGY = { kind: "enum", values: ["auto", "probe", "one-shot"] } as const satisfies FieldSpec;
export const ON_REJECT = { kind: "enum", values: ["probe", "fail"] } as const satisfies FieldSpec;
export const ON_MISSING_OPTIONAL = {
  kind: "enum",
  values: ["ignore", "warn", "error"],
} as const satisfies FieldSpec;

/** The `features` mapping. Every list defaults to empty. */
export const FEATURES = {
  kind: "mapping",
  name: "Features",
  fields: {
    /** Features without which the negotiation fails. */
    required: FEATURE_LIST,
    /** Features requested when the kernel supports them. */
    optional: FEATURE_LIST,
    /** Features never requested, even when an extended policy lists them. */
    forbidden: FEATURE_LIST,
    /** Groups of alternatives in order of preference: the first supported one of each group is requested and required. */
    oneOf: { kind: "list", of: FEATURE_LIST },
  },
  required: [],
} as const satisfies MappingSpec;

/** Every field of a policy document; all optional here (files must also declare `version`, see `POLICY_FILE`). */
export const POLICY_DOCUMENT = {
  kind: "mapping",
  name: "PolicyDocument",
  fields: {
    /** Where editors find the JSON Schema; ignored by the SDK. */
    $schema: SCHEMA_REFERENCE,
    /** The format version; `1`. Required in files, optional in code. */
    version: { kind: "version", value: 1 },
    /** A label for people and logs, at most 256 characters, no control characters. Not inherited through `extends`. */
    name: POLICY_NAME,
    /**
     * Policies this one builds on, applied in order before this one: `preset:<name>` or a path (relative to
     * this file, or absolute). A later policy overrides an earlier one's scalar fields and the status of every
     * feature it lists; a file met twice is applied once, where first met.
     */
    extends: EXTENDS,
    features: FEATURES,
    /** `auto` (default), `probe` or `one-shot`: see `StrategyName`. */
    strategy: STRATEGY,
    /** `probe` (default) or `fail`: what a one-shot request does on EINVAL. */
    onReject: ON_REJECT,
    /** `ignore` (default), `warn` or `error`: what a missing optional feature does. */
    onMissingOptional: ON_MISSING_OPTIONAL,
    /** `auto` (default), `syscall`, `device` or `user-mode-only`: which open modes to use. */
    open: { kind: "enum", values: ["auto", "syscall", "device", "user-mode-only"] },
    /** `allow` (default), `forbid` or `require`: whether `UFFD_USER_MODE_ONLY` may be used. */
    userModeOnly: { kind: "enum", values: ["allow", "forbid", "require"] },
    /** `O_CLOEXEC` on the session fd; default `true`. */
    closeOnExec: BOOLEAN,
    /** `O_NONBLOCK` on the session fd; default `true`. */
    nonBlocking: BOOLEAN,
    /** Check the kernel's own view of the enabled set after success; default `true`. */
    verify: BOOLEAN,
    /** The oldest kernel release the deployment promises to run on (a string: `"5.15"`); used by lints. */
    minKernel: KERNEL_RELEASE,
  },
  required: [],
} as const satisfies MappingSpec;

const { version, ...unversioned } = POLICY_DOCUMENT.fields;

/** A policy file: a document that declares `version: 1`. */
export const POLICY_FILE = {
  ...POLICY_DOCUMENT,
  // `version` first, as issues list the fields.
  fields: { version, ...unversioned },
  name: "PolicyFile",
  required: ["version"],
} as const satisfies MappingSpec;

const codePoints = (text: string, limit: number): number => {
  if (text.length <= limit) return text.length;
  if (text.length > 2 * limit) return text.length;
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/** Whether a scalar spec accepts `value`: the one definition the decoder and the codecs share. */
export function acceptsScalar(spec: ScalarSpec, value: unknown): boolean {
  switch (spec.kind) {
    case "string":
      return (
        typeof value === "string" &&
        codePoints(value, spec.maxLength) <= spec.maxLength &&
        !hasControlCharacter(value)
      );
    case "boolean":
      return typeof value === "boolean";
    case "version":
      return value === spec.value;
    case "enum":
      return typeof value === "string" && spec.values.includes(value);
    case "feature-name":
      return typeof value === "string" && canonicalFeatureName(value) !== undefined;
    case "kernel-release":
      return typeof value === "string" && parseKernelRelease(value).isOk();
    case "extends-entry":
      if (typeof value !== "string" || value.trim() === "") return false;
      if (codePoints(value, MAX_PATH_LENGTH) > MAX_PATH_LENGTH) return false;
      if (hasControlCharacter(value)) return false;
      return (
        !value.startsWith(PRESET_PREFIX) ||
        (PRESET_NAMES as readonly string[]).includes(value.slice(PRESET_PREFIX.length))
      );
    case "landlock-right": {
      const entry = typeof value === "string" ? landlockRight(value) : undefined;
      return entry !== undefined && spec.groups.includes(entry.group);
    }
    case "absolute-path":
      return (
        typeof value === "string" &&
        value.startsWith("/") &&
        value.length <= MAX_RULE_PATH_BYTES &&
        Buffer.byteLength(value) <= MAX_RULE_PATH_BYTES &&
        !hasControlCharacter(value)
      );
    case "port":
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65_535;
  }
}

/** An accepted scalar as the policy holds it: feature names canonical, everything else as written. */
export function decodeScalar(spec: ScalarSpec, value: unknown): unknown {
  if (spec.kind === "feature-name") return canonicalFeatureName(value as string);
  if (spec.kind === "landlock-right") return landlockRight(value as string)?.name;
  return value;
}

/** Every spelling of the Landlock names of `groups`: bare, then prefixed, in catalogue order. */
export function landlockSpellings(groups: readonly LandlockGroup[]): string[] {
  const entries = LANDLOCK_CATALOGUE.filter((entry) => groups.includes(entry.group));
  return entries.flatMap((entry) => [entry.name, `${LANDLOCK_PREFIXES[entry.group]}${entry.name}`]);
}

/** How a document spells names: decoded (canonical) or as written (bare or prefixed). */
export interface NameSpelling {
  readonly feature: string;
  readonly landlock: { readonly [Group in LandlockGroup]: string };
}

/** Names as the decoder gives them: the catalogues' own. */
export interface CanonicalSpelling extends NameSpelling {
  readonly feature: FeatureName;
  readonly landlock: { readonly [Group in LandlockGroup]: LandlockRightNameOf<Group> };
}

/** Names as a document may write them: bare or with the kernel's prefix. */
export interface WrittenSpelling extends NameSpelling {
  readonly feature: FeatureNameInput;
  readonly landlock: {
    readonly [Group in LandlockGroup]:
      | LandlockRightNameOf<Group>
      | `${(typeof LANDLOCK_PREFIXES)[Group]}${LandlockRightNameOf<Group>}`;
  };
}

/** The value a spec decodes to, names spelt as `N` says. */
export type Decoded<S, N extends NameSpelling> = S extends {
  readonly kind: "string" | "kernel-release" | "extends-entry" | "absolute-path";
}
  ? string
  : S extends { readonly kind: "boolean" }
    ? boolean
    : S extends { readonly kind: "port" }
      ? number
      : S extends { readonly kind: "version"; readonly value: infer V }
        ? V
        : S extends { readonly kind: "enum"; readonly values: readonly (infer V)[] }
          ? V
          : S extends { readonly kind: "feature-name" }
            ? N["feature"]
            : S extends { readonly kind: "landlock-right"; readonly groups: readonly (infer G)[] }
              ? N["landlock"][G & LandlockGroup]
              : S extends { readonly kind: "list"; readonly of: infer E }
                ? readonly Decoded<E, N>[]
                : S extends { readonly kind: "one-or-list"; readonly of: infer E }
                  ? Decoded<E, N> | readonly Decoded<E, N>[]
                  : S extends { readonly kind: "variant"; readonly of: readonly (infer M)[] }
                    ? M extends { readonly fields: infer F; readonly required: readonly (infer Q)[] }
                      ? { -readonly [K in keyof F as K extends Q ? K : never]: Decoded<F[K], N> } & {
                          -readonly [K in keyof F as K extends Q ? never : K]?: Decoded<F[K], N>;
                        }
                      : never
                    : S extends { readonly kind: "mapping"; readonly fields: infer F }
                      ? { -readonly [K in keyof F]?: Decoded<F[K], N> }
                      : never;

/** A decoded document: feature names canonical. */
export type PolicyDocument = Decoded<typeof POLICY_DOCUMENT, CanonicalSpelling>;

type WrittenDocument = Decoded<typeof POLICY_DOCUMENT, WrittenSpelling>;

/**
 * What `definePolicy` accepts: a document as written in code. Feature names are checked by the compiler
 * (bare or `UFFD_FEATURE_`-prefixed); `extends` can name presets only, since code has no file to be relative to.
 */
export type PolicyInput = Omit<WrittenDocument, "extends"> & {
  readonly extends?: PresetReference | readonly PresetReference[];
};

/** A file format the SDK reads and writes. */
export type PolicyFormat = "yaml" | "json";

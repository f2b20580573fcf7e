import { catalogue, type FeatureName, type FeatureNameInput } from "../catalogue/catalogue.js";
import { canonicalFeatureName, FEATURE_NAME_PREFIX } from "../catalogue/feature-lookup.js";
import { parseKernelRelease } from "../kernel-release.js";
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
  | { readonly kind: "literal"; readonly value: 1 }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  /** `THREAD_ID` or `UFFD_FEATURE_THREAD_ID`, decoded to the catalogue's name. */
  | { readonly kind: "feature-name" }
  /** A quoted release `parseKernelRelease` accepts (`"5.15"`, `"6.1.26"`); numbers are refused. */
  | { readonly kind: "kernel-release" }
  /** `preset:<name>` or a path (relative to the extending file, or absolute). */
  | { readonly kind: "extends-entry" };

/** A node of the format. Mappings list their fields; unknown keys are refused. */
export type FieldSpec =
  | ScalarSpec
  | { readonly kind: "list"; readonly of: FieldSpec }
  | { readonly kind: "one-or-list"; readonly of: FieldSpec }
  | MappingSpec;

export interface MappingSpec {
  readonly kind: "mapping";
  readonly name: string;
  readonly fields: { readonly [key: string]: FieldSpec };
  readonly required: readonly string[];
}

/** The longest path `extends` may name (Linux `PATH_MAX`). */
export const MAX_PATH_LENGTH = 4096;

export const FEATURE_NAME = { kind: "feature-name" } as const satisfies FieldSpec;
export const FEATURE_LIST = { kind: "list", of: FEATURE_NAME } as const satisfies FieldSpec;
export const EXTENDS_ENTRY = { kind: "extends-entry" } as const satisfies FieldSpec;
export const EXTENDS = { kind: "one-or-list", of: EXTENDS_ENTRY } as const satisfies FieldSpec;
export const KERNEL_RELEASE = { kind: "kernel-release" } as const satisfies FieldSpec;

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
    $schema: { kind: "string", maxLength: MAX_PATH_LENGTH },
    /** The format version; `1`. Required in files, optional in code. */
    version: { kind: "literal", value: 1 },
    /** A label for people and logs, at most 256 characters, no control characters. Not inherited through `extends`. */
    name: { kind: "string", maxLength: 256 },
    /**
     * Policies this one builds on, applied in order before this one: `preset:<name>` or a path (relative to
     * this file, or absolute). A later policy overrides an earlier one's scalar fields and the status of every
     * feature it lists; a file met twice is applied once, where first met.
     */
    extends: EXTENDS,
    features: FEATURES,
    /** `auto` (default), `probe` or `one-shot`: see `StrategyName`. */
    strategy: { kind: "enum", values: ["auto", "probe", "one-shot"] },
    /** `probe` (default) or `fail`: what a one-shot request does on EINVAL. */
    onReject: { kind: "enum", values: ["probe", "fail"] },
    /** `ignore` (default), `warn` or `error`: what a missing optional feature does. */
    onMissingOptional: { kind: "enum", values: ["ignore", "warn", "error"] },
    /** `auto` (default), `syscall`, `device` or `user-mode-only`: which open modes to use. */
    open: { kind: "enum", values: ["auto", "syscall", "device", "user-mode-only"] },
    /** `allow` (default), `forbid` or `require`: whether `UFFD_USER_MODE_ONLY` may be used. */
    userModeOnly: { kind: "enum", values: ["allow", "forbid", "require"] },
    /** `O_CLOEXEC` on the session fd; default `true`. */
    closeOnExec: { kind: "boolean" },
    /** `O_NONBLOCK` on the session fd; default `true`. */
    nonBlocking: { kind: "boolean" },
    /** Check the kernel's own view of the enabled set after success; default `true`. */
    verify: { kind: "boolean" },
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
    case "literal":
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
  }
}

/** An accepted scalar as the policy holds it: feature names canonical, everything else as written. */
export function decodeScalar(spec: ScalarSpec, value: unknown): unknown {
  return spec.kind === "feature-name" ? canonicalFeatureName(value as string) : value;
}

/** The value a spec decodes to; `Written` is what a document may write. */
type Decoded<S, Name> = S extends { readonly kind: "string" | "kernel-release" | "extends-entry" }
  ? string
  : S extends { readonly kind: "boolean" }
    ? boolean
    : S extends { readonly kind: "literal"; readonly value: infer V }
      ? V
      : S extends { readonly kind: "enum"; readonly values: readonly (infer V)[] }
        ? V
        : S extends { readonly kind: "feature-name" }
          ? Name
          : S extends { readonly kind: "list"; readonly of: infer E }
            ? readonly Decoded<E, Name>[]
            : S extends { readonly kind: "one-or-list"; readonly of: infer E }
              ? Decoded<E, Name> | readonly Decoded<E, Name>[]
              : S extends { readonly kind: "mapping"; readonly fields: infer F }
                ? { -readonly [K in keyof F]?: Decoded<F[K], Name> }
                : never;

/** A decoded document: feature names canonical. */
export type PolicyDocument = Decoded<typeof POLICY_DOCUMENT, FeatureName>;

type WrittenDocument = Decoded<typeof POLICY_DOCUMENT, FeatureNameInput>;

/**
 * What `definePolicy` accepts: a document as written in code. Feature names are checked by the compiler
 * (bare or `UFFD_FEATURE_`-prefixed); `extends` can name presets only, since code has no file to be relative to.
 */
export type PolicyInput = Omit<WrittenDocument, "extends"> & {
  readonly extends?: PresetReference | readonly PresetReference[];
};

/** A file format the SDK reads and writes. */
export type PolicyFormat = "yaml" | "json";

import {
  BOOLEAN,
  type CanonicalSpelling,
  type Decoded,
  EXTENDS,
  FEATURES,
  type MappingSpec,
  ON_MISSING_OPTIONAL,
  ON_REJECT,
  POLICY_DOCUMENT,
  POLICY_NAME,
  type PresetReference,
  SCHEMA_REFERENCE,
  STRATEGY,
  type VariantSpec,
  type WrittenSpelling,
} from "./policy-document.js";

/**
 * The policy document format, version 2: one section per kernel interface (`userfaultfd`, `landlock`), and the
 * knobs they share (`strategy`, `onReject`, `onMissingOptional`, `verify`) at the top, which fill every section
 * that does not set its own. Like version 1 (`policy-document.ts`), these specs are the one definition the
 * decoder walks, the io-ts codecs are built from and `policy-schema.json` mirrors.
 *
 * Landlock names: `required`/`optional`/`forbidden` take fs, net and scope rights and the restrict flags
 * (`TSYNC`, `LOG_*`); the `rule` group (`QUIET`, a flag of `landlock_add_rule` in 7.2) is refused everywhere,
 * since a rule here has no flags. A path rule allows fs rights only, a port rule net rights only; scopes and
 * restrict flags take no rules.
 */

const landlockList = (where: string) =>
  ({
    kind: "list",
    of: { kind: "landlock-right", groups: ["fs", "net", "scope", "restrict"], where },
  }) as const;

// A rule's `allow`: at least one right, of the rule's one group.
const allowedRights = <const Group extends "fs" | "net">(group: Group, where: string) =>
  ({ kind: "list", nonEmpty: true, of: { kind: "landlock-right", groups: [group], where } }) as const;

/** A path rule: an absolute path and the fs rights allowed beneath it. */
export const LANDLOCK_PATH_RULE = {
  kind: "mapping",
  name: "LandlockPathRule",
  fields: {
    /** An absolute path, at most 4095 bytes, no control characters. */
    path: { kind: "absolute-path" },
    /** The fs rights allowed beneath it; at least one. */
    allow: allowedRights("fs", "a path rule"),
  },
  required: ["path", "allow"],
} as const satisfies MappingSpec;

/** A port rule: a TCP port and the net rights allowed on it. */
export const LANDLOCK_PORT_RULE = {
  kind: "mapping",
  name: "LandlockPortRule",
  fields: {
    /** A port, 0..65535. */
    port: { kind: "port" },
    /** The net rights allowed on it; at least one. */
    allow: allowedRights("net", "a port rule"),
  },
  required: ["port", "allow"],
} as const satisfies MappingSpec;

export const LANDLOCK_RULE = {
  kind: "variant",
  name: "LandlockRule",
  by: ["path", "port"],
  of: [LANDLOCK_PATH_RULE, LANDLOCK_PORT_RULE],
} as const satisfies VariantSpec;

/** The `landlock:` section. Lists default to empty; knobs to the top level's, then `LANDLOCK_POLICY_DEFAULTS`. */
export const LANDLOCK_SECTION = {
  kind: "mapping",
  name: "LandlockSection",
  fields: {
    required: landlockList("landlock.required"),
    optional: landlockList("landlock.optional"),
    forbidden: landlockList("landlock.forbidden"),
    rules: { kind: "list", of: LANDLOCK_RULE },
    unavailable: { kind: "enum", values: ["fail", "run-unconfined"] },
    threads: { kind: "enum", values: ["fail", "warn"] },
    strategy: STRATEGY,
    onReject: ON_REJECT,
    onMissingOptional: ON_MISSING_OPTIONAL,
  },
  required: [],
} as const satisfies MappingSpec;

const {
  strategy,
  onReject,
  onMissingOptional,
  open,
  userModeOnly,
  closeOnExec,
  nonBlocking,
  verify,
  minKernel,
} = POLICY_DOCUMENT.fields;

/** The `userfaultfd:` section: a version 1 document's `features` lists and its knobs, in one mapping. */
export const USERFAULTFD_SECTION = {
  kind: "mapping",
  name: "UserfaultfdSection",
  fields: {
    ...FEATURES.fields,
    strategy,
    onReject,
    onMissingOptional,
    open,
    userModeOnly,
    closeOnExec,
    nonBlocking,
    verify,
    minKernel,
  },
  required: [],
} as const satisfies MappingSpec;

/** The knobs a version 2 document may set at its top level, for every section (`verify`: userfaultfd only). */
export const SHARED_KNOBS = ["strategy", "onReject", "onMissingOptional", "verify"] as const;
export type SharedKnob = (typeof SHARED_KNOBS)[number];

/** Every field of a version 2 document (code and files alike must declare `version: 2`). */
export const MULTI_POLICY_DOCUMENT = {
  kind: "mapping",
  name: "MultiPolicyDocument",
  fields: {
    version: { kind: "version", value: 2 },
    $schema: SCHEMA_REFERENCE,
    name: POLICY_NAME,
    /** Version 1 and 2 policies this one builds on; a version 1 one is a userfaultfd section. */
    extends: EXTENDS,
    strategy: STRATEGY,
    onReject: ON_REJECT,
    onMissingOptional: ON_MISSING_OPTIONAL,
    verify: BOOLEAN,
    userfaultfd: USERFAULTFD_SECTION,
    landlock: LANDLOCK_SECTION,
  },
  required: ["version"],
} as const satisfies MappingSpec;

/** A decoded version 2 document: names canonical. */
export type MultiPolicyDocument = Decoded<typeof MULTI_POLICY_DOCUMENT, CanonicalSpelling>;

type WrittenMultiDocument = Decoded<typeof MULTI_POLICY_DOCUMENT, WrittenSpelling>;

/** What `definePolicy({ version: 2, … })` accepts; `extends` names presets only, as in version 1. */
export type MultiPolicyInput = Omit<WrittenMultiDocument, "extends" | "version"> & {
  readonly version: 2;
  readonly extends?: PresetReference | readonly PresetReference[];
};

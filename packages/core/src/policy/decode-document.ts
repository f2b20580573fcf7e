import type { PolicyIssue } from "../errors.js";
import { LANDLOCK_CATALOGUE } from "../landlock/landlock-catalogue.js";
import { LANDLOCK_PREFIXES } from "../landlock/landlock-definition.js";
import { landlockRight } from "../landlock/landlock-lookup.js";
import { catalogue } from "../userfaultfd/catalogue.js";
import { suggestFeatureNames } from "../userfaultfd/feature-lookup.js";
import type { MultiPolicyDocument } from "./multi-policy-document.js";
import { nearestNames } from "./nearest-names.js";
import {
  acceptsScalar,
  decodeScalar,
  type FieldSpec,
  FORMAT_VERSIONS,
  MAX_PATH_LENGTH,
  MAX_RULE_PATH_BYTES,
  type MappingSpec,
  type PolicyDocument,
  PRESET_NAMES,
  PRESET_PREFIX,
  PRESET_REFERENCES,
  type ScalarSpec,
  type VariantSpec,
} from "./policy-document.js";
import { type IssueSite, issueAt, MAX_ISSUES, type PathSegment } from "./policy-issue.js";
import { excerptText, hasControlCharacter, MAX_EXCERPT, quoteText } from "./quote-value.js";

/** A document as far as it decoded: invalid fields left out, invalid list entries left as holes (`undefined`). */
type Loose<T> = T extends readonly (infer E)[]
  ? readonly (Loose<E> | undefined)[]
  : T extends object
    ? { readonly [K in keyof T]?: Loose<T[K]> }
    : T;

export type LooseDocument = Loose<PolicyDocument>;

/** A version 2 document as far as it decoded. */
export type LooseMultiDocument = Loose<MultiPolicyDocument>;

/** What decoding found: the valid part of the document, its issues, and how many more were not described. */
export interface DecodedDocument<D = LooseDocument> {
  readonly document: D;
  readonly issues: readonly PolicyIssue[];
  readonly unreported: number;
}

/**
 * The decode stage: checks a plain value against a mapping spec (`policy-document.ts`), reporting every
 * problem at once: each invalid value, each unknown key (own keys only: `constructor` is unknown too), each
 * missing required key. What decoded is kept, so that the semantic checks can still run on the valid part of
 * a broken document. Linear in the value; past `MAX_ISSUES` problems are only counted.
 */
export function decodeDocument<D = LooseDocument>(
  spec: MappingSpec,
  raw: unknown,
  site: IssueSite,
): DecodedDocument<D> {
  const state: Walk = { site, issues: [], unreported: 0 };
  const document = walk(spec, raw, [], state);
  return { document: (document ?? {}) as D, issues: state.issues, unreported: state.unreported };
}

interface Walk {
  readonly site: IssueSite;
  readonly issues: PolicyIssue[];
  unreported: number;
}

function report(state: Walk, issue: () => PolicyIssue): undefined {
  if (state.issues.length < MAX_ISSUES) state.issues.push(issue());
  else state.unreported++;
  return undefined;
}

function walk(spec: FieldSpec, value: unknown, path: PathSegment[], state: Walk): unknown {
  switch (spec.kind) {
    case "mapping":
      return walkMapping(spec, value, path, state);
    case "list":
      return walkList(spec, value, path, state);
    case "variant":
      return walkVariant(spec, value, path, state);
    case "one-or-list":
      return Array.isArray(value)
        ? walkList({ kind: "list", of: spec.of }, value, path, state)
        : shapeOfValue(value) === "scalar"
          ? walk(spec.of, value, path, state)
          : fail(spec, value, path, state);
    default:
      return acceptsScalar(spec, value) ? decodeScalar(spec, value) : fail(spec, value, path, state);
  }
}

function walkList(
  spec: FieldSpec & { kind: "list" },
  value: unknown,
  path: PathSegment[],
  state: Walk,
): unknown {
  if (!Array.isArray(value) || (spec.nonEmpty === true && value.length === 0))
    return fail(spec, value, path, state);
  const decoded: unknown[] = new Array(value.length);
  for (let index = 0; index < value.length; index++)
    decoded[index] = walk(spec.of, value[index], [...path, index], state);
  return decoded;
}

// The mapping of the one key of `by` the value has; none or several is one issue naming them.
function walkVariant(spec: VariantSpec, value: unknown, path: PathSegment[], state: Walk): unknown {
  if (shapeOfValue(value) !== "mapping") return fail(spec, value, path, state);
  const present = spec.by.filter((key) => Object.hasOwn(value as object, key));
  if (present.length === 1) return walkMapping(spec.of[spec.by.indexOf(present[0]!)]!, value, path, state);
  return report(state, () =>
    issueAt(
      state.site,
      path,
      present.length === 0
        ? `must have one of ${spec.by.join(", ")}`
        : `has both ${present.join(" and ")}: one rule has one of them`,
      { value, expected: spec.by.map((key) => `a mapping with ${key}`) },
    ),
  );
}

function walkMapping(spec: MappingSpec, value: unknown, path: PathSegment[], state: Walk): unknown {
  if (shapeOfValue(value) !== "mapping") return fail(spec, value, path, state);
  const record = value as Record<string, unknown>;
  const known = Object.keys(spec.fields);
  for (const key of Object.keys(record)) {
    if (Object.hasOwn(spec.fields, key)) continue;
    report(state, () =>
      issueAt(state.site, [...path, key], `unknown field ${quoteText(key)}`, {
        value: excerptText(key),
        expected: key.length > MAX_NAME_TO_SUGGEST ? known : nearestNames(key, known),
        target: "key",
      }),
    );
  }
  const decoded: Record<string, unknown> = {};
  for (const key of known) {
    const field = Object.hasOwn(record, key) ? record[key] : undefined;
    if (field === undefined) {
      if (spec.required.includes(key)) {
        report(state, () =>
          issueAt(state.site, [...path, key], "is missing: policy files must declare it", {
            expected: describe(spec.fields[key]!, undefined).expected,
          }),
        );
      }
      continue;
    }
    const decodedField = walk(spec.fields[key]!, field, [...path, key], state);
    if (decodedField !== undefined) decoded[key] = decodedField;
  }
  return decoded;
}

function fail(spec: FieldSpec, value: unknown, path: PathSegment[], state: Walk): undefined {
  return report(state, () => {
    const { message, expected } = describe(spec, value);
    return issueAt(state.site, path, message, { value, expected });
  });
}

interface Description {
  readonly message: string;
  readonly expected: readonly string[];
}

const ALL_FEATURES = catalogue.map((entry) => entry.name);

// Names longer than this are not compared with known ones: no feature or field name is near.
const MAX_NAME_TO_SUGGEST = 64;

// What was wrong and what would be right, for a value `spec` refused.
function describe(spec: FieldSpec, value: unknown): Description {
  switch (spec.kind) {
    case "feature-name":
      return describeFeatureName(value);
    case "extends-entry":
      return describeExtendsEntry(value);
    case "kernel-release": {
      const unquoted =
        typeof value === "number" && !Number.isInteger(value)
          ? ` (write it quoted: unquoted, 5.10 reads as the number 5.1)`
          : typeof value === "string"
            ? `, not ${quoteText(value)}`
            : "";
      return {
        message: `must be a kernel release string such as "5.15"${unquoted}`,
        expected: ['"5.15"', '"6.1.26"'],
      };
    }
    case "enum": {
      const shown = typeof value === "string" ? `${quoteText(value)} is not` : "must be";
      return { message: `${shown} one of ${spec.values.join(", ")}`, expected: spec.values };
    }
    case "version":
      return {
        message: `must be ${FORMAT_VERSIONS.join(" or ")}${quotedString(value)}`,
        expected: FORMAT_VERSIONS.map(String),
      };
    case "landlock-right":
      return describeLandlockRight(spec, value);
    case "absolute-path":
      return describeAbsolutePath(value);
    case "port":
      return {
        message: `must be a TCP port, an integer from 0 to 65535${typeof value === "number" ? `, not ${value}` : quotedString(value)}`,
        expected: ["0..65535"],
      };
    case "variant":
      return {
        message: `must be a mapping with one of ${spec.by.join(", ")}`,
        expected: spec.by.map((key) => `a mapping with ${key}`),
      };
    case "boolean":
      return { message: `must be true or false${quotedString(value)}`, expected: ["true", "false"] };
    case "string":
      return describeString(spec, value);
    case "one-or-list":
      return {
        message: `must be preset:<name>, a relative path, or a list of them`,
        expected: [...PRESET_REFERENCES, "a relative path"],
      };
    case "list":
      return {
        message: `must be ${spec.nonEmpty ? "a non-empty list of " : "a list of "}${LIST_ENTRIES[spec.of.kind] ?? "entries"}`,
        expected: [spec.nonEmpty ? "a non-empty list" : "a list"],
      };
    case "mapping":
      return { message: `must be a mapping of fields`, expected: Object.keys(spec.fields) };
  }
}

const LIST_ENTRIES: { readonly [Kind in FieldSpec["kind"]]?: string } = {
  list: "groups, each a list of feature names",
  "feature-name": "feature names",
  "landlock-right": "Landlock rights",
  variant: "rules",
};

const quotedString = (value: unknown) =>
  typeof value === "string" ? `, not the string ${quoteText(value)}` : "";

function describeString(spec: ScalarSpec & { kind: "string" }, value: unknown): Description {
  if (typeof value !== "string") return { message: "must be a string", expected: ["a string"] };
  const expected = [`a string of at most ${spec.maxLength} characters, no control characters`];
  if (value.length > spec.maxLength)
    return {
      message: `is ${value.length} characters long, more than the limit of ${spec.maxLength}: ${quoteText(value)}`,
      expected,
    };
  return { message: `must not contain control characters: ${quoteText(value)}`, expected };
}

function describeFeatureName(value: unknown): Description {
  if (typeof value !== "string") return { message: `must be a feature name`, expected: ALL_FEATURES };
  const near = value.length > MAX_NAME_TO_SUGGEST ? [] : suggestFeatureNames(value);
  const hint = near.length > 0 ? `; did you mean ${near.join(" or ")}?` : "";
  return {
    message: `unknown feature ${quoteText(value)}${hint}`,
    expected: near.length > 0 ? near : ALL_FEATURES,
  };
}

const LANDLOCK_NAMES = LANDLOCK_CATALOGUE.map((entry) => entry.name);
const GROUP_PHRASES: Readonly<Record<string, string>> = {
  "fs,net,scope,restrict": "fs, net and scope rights and restrict flags",
  fs: "fs rights",
  net: "net rights",
};

// A known name of another group says which group it is and what this place takes; an unknown one gets the
// nearest names of the groups this place takes (compared without a prefix, case-insensitively).
function describeLandlockRight(spec: ScalarSpec & { kind: "landlock-right" }, value: unknown): Description {
  const names = LANDLOCK_CATALOGUE.filter((entry) => spec.groups.includes(entry.group)).map(
    (entry) => entry.name,
  );
  const takes = `${spec.where} takes ${GROUP_PHRASES[spec.groups.join(",")] ?? `${spec.groups.join(", ")} rights`}`;
  if (typeof value !== "string") return { message: `must be a Landlock right: ${takes}`, expected: names };
  const known = landlockRight(value);
  if (known !== undefined) {
    const why =
      known.group === "rule"
        ? "a flag of landlock_add_rule, which policy rules do not set"
        : known.group === "scope" || known.group === "restrict"
          ? `a ${known.group} ${known.group === "scope" ? "right" : "flag"}, and ${known.group === "scope" ? "scopes" : "restrict flags"} take no rules`
          : `a ${known.group} right`;
    return { message: `${known.name} is ${why}: ${takes} only`, expected: names };
  }
  const prefix = Object.values(LANDLOCK_PREFIXES).find((candidate) => value.startsWith(candidate));
  const bare = prefix === undefined ? value : value.slice(prefix.length);
  const misplaced = prefix !== undefined && LANDLOCK_NAMES.includes(bare as (typeof LANDLOCK_NAMES)[number]);
  if (misplaced) {
    const entry = landlockRight(bare)!;
    return {
      message: `unknown Landlock right ${quoteText(value)}: ${bare} is spelt ${LANDLOCK_PREFIXES[entry.group]}${bare} with its prefix`,
      expected: [bare, `${LANDLOCK_PREFIXES[entry.group]}${bare}`],
    };
  }
  const near = bare.length > MAX_NAME_TO_SUGGEST ? [] : nearestNames(bare, names);
  const close = near.length < names.length ? near.slice(0, 3) : [];
  const hint = close.length > 0 ? `; did you mean ${close.join(" or ")}?` : "";
  return {
    message: `unknown Landlock right ${quoteText(value)}${nonAscii(value)}${hint}`,
    expected: close.length > 0 ? close : names,
  };
}

// Look-alikes (Cyrillic І, fullwidth Ｒ, a zero-width space) read as the name they imitate: say where they are.
function nonAscii(value: string): string {
  const index = value.search(/[^\x20-\x7e]/);
  if (index < 0 || index >= MAX_EXCERPT) return "";
  const code = value.codePointAt(index)!.toString(16).toUpperCase().padStart(4, "0");
  return ` (character ${index + 1} is U+${code}: names are ASCII)`;
}

function describeAbsolutePath(value: unknown): Description {
  const expected = [`an absolute path of at most ${MAX_RULE_PATH_BYTES} bytes, no control characters`];
  if (typeof value !== "string") return { message: "must be an absolute path (a string)", expected };
  if (!value.startsWith("/"))
    return { message: `must be absolute (start with /), not ${quoteText(value)}`, expected };
  if (value.length > MAX_RULE_PATH_BYTES || Buffer.byteLength(value) > MAX_RULE_PATH_BYTES)
    return {
      message: `is longer than the limit of ${MAX_RULE_PATH_BYTES} bytes for a path (Linux PATH_MAX with its NUL)`,
      expected,
    };
  return { message: `must not contain control characters: ${quoteText(value)}`, expected };
}

function describeExtendsEntry(value: unknown): Description {
  const expected = [...PRESET_REFERENCES, "a relative path"];
  if (typeof value !== "string")
    return { message: "must be preset:<name> or a path relative to this file", expected };
  if (value.trim() === "") return { message: "is empty", expected };
  if (value.length > MAX_PATH_LENGTH)
    return { message: `is longer than the limit of ${MAX_PATH_LENGTH} characters for a path`, expected };
  if (hasControlCharacter(value))
    return { message: `must not contain control characters: ${quoteText(value)}`, expected };
  const name = value.slice(PRESET_PREFIX.length);
  const near = name.length > MAX_NAME_TO_SUGGEST ? [...PRESET_NAMES] : nearestNames(name, PRESET_NAMES);
  return {
    message: `unknown preset ${quoteText(value)}`,
    expected: near.map((entry) => `${PRESET_PREFIX}${entry}`),
  };
}

/** What a value is, as far as the format cares: plain objects (YAML, JSON, object literals) are mappings. */
function shapeOfValue(value: unknown): "mapping" | "list" | "scalar" {
  if (Array.isArray(value)) return "list";
  if (typeof value !== "object" || value === null) return "scalar";
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null ? "mapping" : "scalar";
}

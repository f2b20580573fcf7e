import { distance } from "fastest-levenshtein";
import * as t from "io-ts";
import { catalogue } from "../catalogue/catalogue.js";
import { suggestFeatureNames } from "../catalogue/feature-lookup.js";
import type { PolicyIssue } from "../errors.js";
import {
  ExtendsEntryCodec,
  FeatureListCodec,
  FeatureNameCodec,
  KernelReleaseCodec,
  type PolicyDocument,
  PRESET_NAMES,
  PRESET_PREFIX,
  PRESET_REFERENCES,
} from "./policy-document.js";
import { type IssueSite, issueAt, type PathSegment } from "./policy-issue.js";

/** A document as far as it decoded: invalid fields left out, invalid list entries left as holes (`undefined`). */
type Loose<T> = T extends readonly (infer E)[]
  ? readonly (Loose<E> | undefined)[]
  : T extends object
    ? { readonly [K in keyof T]?: Loose<T[K]> }
    : T;

export type LooseDocument = Loose<PolicyDocument>;

type ObjectCodec = t.InterfaceType<t.Props> | t.PartialType<t.Props> | t.IntersectionType<t.Any[]>;
type Shape = "object" | "list" | "scalar";

/**
 * Decodes a document with the io-ts codec `codec`, reporting every problem at once: each invalid value, each
 * unknown key (io-ts would silently drop them), each missing required key. What decoded is kept, so that the
 * semantic checks can still run on the valid part of a broken document.
 */
export function decodeDocument(
  codec: ObjectCodec,
  raw: unknown,
  site: IssueSite,
): { readonly document: LooseDocument; readonly issues: readonly PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const document = walk(codec, raw, [], { site, issues });
  return { document: (document ?? {}) as LooseDocument, issues };
}

interface Walk {
  readonly site: IssueSite;
  readonly issues: PolicyIssue[];
}

function walk(codec: t.Any, value: unknown, path: PathSegment[], state: Walk): unknown {
  const shape = shapeOf(codec);
  if (shape === "object") return walkObject(codec as ObjectCodec, value, path, state);
  if (shape === "list") {
    if (!Array.isArray(value)) return fail(codec, value, path, state);
    const element = (codec as t.ReadonlyArrayType<t.Any>).type;
    return value.map((entry, index) => walk(element, entry, [...path, index], state));
  }
  if (codec instanceof t.UnionType) {
    const member = (codec.types as t.Any[]).find((type) => shapeOf(type) === shapeOfValue(value));
    return member ? walk(member, value, path, state) : fail(codec, value, path, state);
  }
  const decoded = codec.decode(value);
  return decoded._tag === "Right" ? decoded.right : fail(codec, value, path, state);
}

function walkObject(codec: ObjectCodec, value: unknown, path: PathSegment[], state: Walk): unknown {
  if (shapeOfValue(value) !== "object") return fail(codec, value, path, state);
  const record = value as Record<string, unknown>;
  const { props, required } = fieldsOf(codec);
  const known = Object.keys(props);
  for (const key of Object.keys(record)) {
    if (key in props) continue;
    state.issues.push(
      issueAt(state.site, [...path, key], `unknown field "${key}"`, {
        value: key,
        expected: nearest(key, known),
        target: "key",
      }),
    );
  }
  const decoded: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(props)) {
    if (record[key] === undefined) {
      if (required.has(key)) {
        state.issues.push(
          issueAt(state.site, [...path, key], "is missing: policy files must declare it", {
            expected: describe(type, undefined).expected,
          }),
        );
      }
      continue;
    }
    const field = walk(type, record[key], [...path, key], state);
    if (field !== undefined) decoded[key] = field;
  }
  return decoded;
}

function fail(codec: t.Any, value: unknown, path: PathSegment[], state: Walk): undefined {
  const { message, expected } = describe(codec, value);
  state.issues.push(issueAt(state.site, path, message, { value, expected }));
  return undefined;
}

interface Description {
  readonly message: string;
  readonly expected: readonly string[];
}

const ALL_FEATURES = catalogue.map((entry) => entry.name);

// What was wrong and what would be right, for a value `codec` refused.
function describe(codec: t.Any, value: unknown): Description {
  if (codec === FeatureNameCodec) {
    if (typeof value !== "string") {
      return { message: `must be a feature name`, expected: ALL_FEATURES };
    }
    const near = suggestFeatureNames(value);
    const hint = near.length > 0 ? `; did you mean ${near.join(" or ")}?` : "";
    return {
      message: `unknown feature "${value}"${hint}`,
      expected: near.length > 0 ? near : ALL_FEATURES,
    };
  }
  if (codec === FeatureListCodec) {
    return { message: `must be a list of feature names`, expected: ["a list"] };
  }
  if (codec === ExtendsEntryCodec) return describeExtendsEntry(value);
  if (codec === KernelReleaseCodec) {
    const unquoted =
      typeof value === "number" && !Number.isInteger(value)
        ? ` (write it quoted: unquoted, 5.10 reads as the number 5.1)`
        : "";
    return {
      message: `must be a kernel release string such as "5.15"${unquoted}`,
      expected: ['"5.15"', '"6.1.26"'],
    };
  }
  if (codec instanceof t.KeyofType) {
    const keys = Object.keys(codec.keys);
    return { message: `must be one of ${keys.join(", ")}`, expected: keys };
  }
  if (codec instanceof t.LiteralType) {
    const quoted =
      typeof value === "string" && typeof codec.value !== "string"
        ? `, not the string ${JSON.stringify(value)}`
        : "";
    return {
      message: `must be ${JSON.stringify(codec.value)}${quoted}`,
      expected: [String(codec.value)],
    };
  }
  if (codec instanceof t.BooleanType) {
    const quoted = typeof value === "string" ? `, not the string ${JSON.stringify(value)}` : "";
    return { message: `must be true or false${quoted}`, expected: ["true", "false"] };
  }
  if (codec instanceof t.StringType) {
    return { message: `must be a string`, expected: ["a string"] };
  }
  if (codec instanceof t.UnionType) {
    return {
      message: `must be preset:<name>, a relative path, or a list of them`,
      expected: [...PRESET_REFERENCES, "a relative path"],
    };
  }
  if (shapeOf(codec) === "list") {
    const element = (codec as t.ReadonlyArrayType<t.Any>).type;
    const what = element === FeatureListCodec ? "a list of groups, each a list of feature names" : "a list";
    return { message: `must be ${what}`, expected: ["a list"] };
  }
  const fields = Object.keys(fieldsOf(codec as ObjectCodec).props);
  return { message: `must be a mapping of fields`, expected: fields };
}

function describeExtendsEntry(value: unknown): Description {
  if (typeof value === "string" && value.startsWith(PRESET_PREFIX)) {
    const near = nearest(value.slice(PRESET_PREFIX.length), PRESET_NAMES);
    return {
      message: `unknown preset "${value}"`,
      expected: near.map((name) => `${PRESET_PREFIX}${name}`),
    };
  }
  return {
    message: typeof value === "string" ? "is empty" : `must be preset:<name> or a path relative to this file`,
    expected: [...PRESET_REFERENCES, "a relative path"],
  };
}

/** The candidates nearest to `input` (containing it, or by edit distance); all of them when none is near. */
export function nearest(input: string, candidates: readonly string[]): string[] {
  const threshold = Math.max(2, Math.ceil(input.length / 3));
  const lower = input.toLowerCase();
  const scored = candidates
    .map((candidate) => {
      const other = candidate.toLowerCase();
      const contained = lower.length >= 3 && (other.includes(lower) || lower.includes(other));
      return { candidate, score: contained ? 0 : distance(lower, other) };
    })
    .filter((entry) => entry.score <= threshold)
    .sort((a, b) => a.score - b.score);
  return scored.length > 0 ? scored.map((entry) => entry.candidate) : [...candidates];
}

function shapeOf(codec: t.Any): Shape {
  if (
    codec instanceof t.InterfaceType ||
    codec instanceof t.PartialType ||
    codec instanceof t.IntersectionType
  ) {
    return "object";
  }
  if (codec instanceof t.ReadonlyArrayType || codec instanceof t.ArrayType) return "list";
  return "scalar";
}

function shapeOfValue(value: unknown): Shape {
  if (Array.isArray(value)) return "list";
  if (typeof value !== "object" || value === null) return "scalar";
  // A plain object, as YAML and JSON make them; anything with another prototype is a value.
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null ? "object" : "scalar";
}

/** The fields of an object codec (an intersection merges its members') and which of them are required. */
export function fieldsOf(codec: ObjectCodec): { props: t.Props; required: Set<string> } {
  if (codec instanceof t.IntersectionType) {
    const props: t.Props = {};
    const required = new Set<string>();
    for (const member of codec.types) {
      const fields = fieldsOf(member as ObjectCodec);
      Object.assign(props, fields.props);
      for (const key of fields.required) required.add(key);
    }
    return { props, required };
  }
  const required = codec instanceof t.InterfaceType ? Object.keys(codec.props) : [];
  return { props: codec.props, required: new Set(required) };
}

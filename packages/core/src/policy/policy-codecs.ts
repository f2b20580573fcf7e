import type * as t from "io-ts";
import type { FeatureName, FeatureNameInput } from "../userfaultfd/catalogue.js";
import { ioTs, onFirstUse } from "./lazy-dependencies.js";
import { MULTI_POLICY_DOCUMENT, type MultiPolicyDocument } from "./multi-policy-document.js";
import {
  acceptsScalar,
  decodeScalar,
  type FieldSpec,
  type MappingSpec,
  POLICY_DOCUMENT,
  POLICY_FILE,
  type PolicyDocument,
  type VariantSpec,
} from "./policy-document.js";

/** A document as the codecs type it: decoded (`A`) with canonical names, written (`O`) as a document may. */
type DocumentCodec = t.Type<PolicyDocument, PolicyDocument & { readonly features?: unknown }, unknown>;

/**
 * io-ts codecs of the policy format, built from its specs (`policy-document.ts`) on first use, so that io-ts
 * is loaded only by code that asks for a codec. Like io-ts' own `partial`, they ignore unknown keys; the
 * SDK's decoder refuses them.
 */
export const PolicyDocumentCodec: DocumentCodec = onFirstUse(() => codecOf(POLICY_DOCUMENT) as DocumentCodec);

/** A policy file's codec: a document that declares `version: 1`. */
export const PolicyFileCodec: DocumentCodec = onFirstUse(() => codecOf(POLICY_FILE) as DocumentCodec);

/**
 * A version 2 document's codec (`version: 2` required, in code and files alike). Names decode to the bare ones;
 * a rule decodes only with exactly one of `path` and `port`.
 */
export const MultiPolicyDocumentCodec: t.Type<MultiPolicyDocument, unknown, unknown> = onFirstUse(
  () => codecOf(MULTI_POLICY_DOCUMENT) as t.Type<MultiPolicyDocument, unknown, unknown>,
);

const built = new Map<FieldSpec, t.Mixed>();

/** The io-ts codec of a spec; one per spec, so that a shared spec gives the same codec. */
export function codecOf(spec: FieldSpec): t.Mixed {
  const known = built.get(spec);
  if (known) return known;
  const codec = build(spec);
  built.set(spec, codec);
  return codec;
}

function build(spec: FieldSpec): t.Mixed {
  const io = ioTs();
  switch (spec.kind) {
    case "list": {
      const list = io.readonlyArray(codecOf(spec.of));
      if (spec.nonEmpty !== true) return list;
      return new io.Type<unknown, unknown, unknown>(
        `NonEmpty<${list.name}>`,
        (value): value is unknown => list.is(value) && value.length > 0,
        (value, context) =>
          Array.isArray(value) && value.length === 0
            ? io.failure(value, context)
            : list.validate(value, context),
        (value) => list.encode(value as readonly unknown[]),
      );
    }
    case "one-or-list":
      return io.union([codecOf(spec.of), io.readonlyArray(codecOf(spec.of))]);
    case "mapping":
      return mappingCodec(spec);
    case "variant":
      return variantCodec(spec);
    case "landlock-right":
    case "feature-name":
      return new io.Type<FeatureName, FeatureNameInput, unknown>(
        spec.kind === "feature-name" ? "FeatureName" : "LandlockRightName",
        (value): value is FeatureName => acceptsScalar(spec, value) && decodeScalar(spec, value) === value,
        (value, context) =>
          acceptsScalar(spec, value)
            ? io.success(decodeScalar(spec, value) as FeatureName)
            : io.failure(value, context),
        (name) => name,
      );
    default:
      return new io.Type<unknown, unknown, unknown>(
        spec.kind,
        (value): value is unknown => acceptsScalar(spec, value),
        (value, context) => (acceptsScalar(spec, value) ? io.success(value) : io.failure(value, context)),
        io.identity,
      );
  }
}

function mappingCodec(spec: MappingSpec): t.Mixed {
  const io = ioTs();
  const fields: t.Props = {};
  for (const [key, field] of Object.entries(spec.fields)) fields[key] = codecOf(field);
  if (spec.required.length === 0) return io.partial(fields, spec.name);
  const required: t.Props = {};
  for (const key of spec.required) required[key] = fields[key]!;
  return io.intersection([io.type(required), io.partial(fields)], spec.name);
}

// The mapping of the one key of `by` the value has (io-ts' own union would take a rule with both).
function variantCodec(spec: VariantSpec): t.Mixed {
  const io = ioTs();
  const branches = spec.of.map((mapping) => codecOf(mapping));
  const branchOf = (value: unknown): t.Mixed | undefined => {
    if (typeof value !== "object" || value === null) return undefined;
    const present = spec.by.filter((key) => Object.hasOwn(value, key));
    return present.length === 1 ? branches[spec.by.indexOf(present[0]!)] : undefined;
  };
  return new io.Type<unknown, unknown, unknown>(
    spec.name,
    (value): value is unknown => branchOf(value)?.is(value) ?? false,
    (value, context) => branchOf(value)?.validate(value, context) ?? io.failure(value, context),
    (value) => branchOf(value)?.encode(value) ?? value,
  );
}

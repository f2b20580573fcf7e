import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import fc from "fast-check";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { decodeDocument, fieldsOf } from "../../src/policy/decode-document.js";
import {
  ExtendsCodec,
  ExtendsEntryCodec,
  FEATURE_NAME_SPELLINGS,
  FeatureListCodec,
  KernelReleaseCodec,
  PolicyFileCodec,
  PRESET_NAMES,
} from "../../src/policy/policy-document.js";
import schema from "../../src/policy/policy-schema.json" with { type: "json" };

type Schema = Record<string, unknown>;
const definitions = schema.definitions as Record<string, Schema>;
const deref = (node: Schema): Schema =>
  typeof node.$ref === "string" ? definitions[node.$ref.replace("#/definitions/", "")]! : node;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const codecAccepts = (document: unknown) => decodeDocument(PolicyFileCodec, document, {}).issues.length === 0;

// The schema node of each codec, compared by what the codec accepts.
function expectAgreement(codec: t.Any, node: Schema, path: string): void {
  const resolved = deref(node);
  if (
    codec instanceof t.InterfaceType ||
    codec instanceof t.PartialType ||
    codec instanceof t.IntersectionType
  ) {
    const { props, required } = fieldsOf(codec);
    expect(resolved.type, path).toBe("object");
    expect(resolved.additionalProperties, path).toBe(false);
    expect(Object.keys(resolved.properties as Schema).sort(), path).toEqual(Object.keys(props).sort());
    expect([...((resolved.required as string[] | undefined) ?? [])].sort(), path).toEqual(
      [...required].sort(),
    );
    for (const [key, type] of Object.entries(props)) {
      expectAgreement(type, (resolved.properties as Record<string, Schema>)[key]!, `${path}.${key}`);
    }
  } else if (codec === FeatureListCodec) {
    expect(resolved.type, path).toBe("array");
    expect(deref(resolved.items as Schema).enum, path).toEqual(FEATURE_NAME_SPELLINGS);
  } else if (codec instanceof t.ReadonlyArrayType) {
    expect(resolved.type, path).toBe("array");
    expectAgreement(codec.type, resolved.items as Schema, `${path}[]`);
  } else if (codec === ExtendsCodec) {
    const [entry, list] = resolved.anyOf as Schema[];
    expectAgreement(ExtendsEntryCodec, entry!, path);
    expect(deref((list!.items as Schema) ?? {}), path).toEqual(deref(entry!));
  } else if (codec === ExtendsEntryCodec) {
    expect(resolved.type, path).toBe("string");
    expect((resolved.not as Schema).pattern, path).toBe(`^preset:(?!(${PRESET_NAMES.join("|")})$)`);
  } else if (codec === KernelReleaseCodec) {
    expect(resolved.type, path).toBe("string");
  } else if (codec instanceof t.KeyofType) {
    expect(resolved.enum, path).toEqual(Object.keys(codec.keys));
  } else if (codec instanceof t.LiteralType) {
    expect(resolved.const, path).toBe(codec.value);
  } else if (codec instanceof t.BooleanType) {
    expect(resolved.type, path).toBe("boolean");
  } else if (codec instanceof t.StringType) {
    expect(resolved.type, path).toBe("string");
  } else {
    throw new Error(`no schema comparison for ${codec.name} at ${path}`);
  }
}

// Values near the format: mostly valid (about half the documents are valid), sometimes a near miss or junk.
const junk = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.double(),
);
const nearly = <T>(valid: fc.Arbitrary<T>, ...misses: unknown[]) =>
  fc.oneof(
    { weight: 40, arbitrary: valid as fc.Arbitrary<unknown> },
    { weight: misses.length > 0 ? 1 : 0, arbitrary: fc.constantFrom(...misses, null) },
    { weight: 1, arbitrary: junk },
  );
const featureName = nearly(
  fc.constantFrom(...FEATURE_NAME_SPELLINGS),
  "thread_id",
  "THREAD_IDD",
  "UFFD_FEATURE_",
  "",
  " MOVE",
  "uffd_feature_MOVE",
);
const featureList = nearly(fc.array(featureName, { maxLength: 3 }));
const extendsEntry = nearly(
  fc.constantFrom(...PRESET_NAMES.map((name) => `preset:${name}`), "./base.yaml", " x.yaml"),
  "preset:nope",
  "preset:",
  "",
  "  ",
);
const unknownKeys = fc.oneof(
  { weight: 15, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constant({ strategie: "auto" }) },
);
const features = nearly(
  fc
    .tuple(
      fc.record(
        {
          required: featureList,
          optional: featureList,
          forbidden: featureList,
          oneOf: nearly(fc.array(featureList, { maxLength: 2 })),
        },
        { requiredKeys: [] },
      ),
      unknownKeys,
    )
    .map(([known, unknown]) => ({ ...known, ...unknown })),
);
const document = fc
  .tuple(
    fc.record(
      {
        $schema: nearly(fc.string()),
        version: nearly(fc.constant(1), 2, "1", 1.5),
        name: nearly(fc.string()),
        extends: nearly(fc.oneof(extendsEntry, fc.array(extendsEntry, { maxLength: 3 }))),
        features,
        strategy: nearly(fc.constantFrom("auto", "probe", "one-shot"), "fast"),
        onReject: nearly(fc.constantFrom("probe", "fail")),
        onMissingOptional: nearly(fc.constantFrom("ignore", "warn", "error")),
        open: nearly(fc.constantFrom("auto", "syscall", "device", "user-mode-only"), "usermode"),
        userModeOnly: nearly(fc.constantFrom("allow", "forbid", "require")),
        closeOnExec: nearly(fc.boolean(), "true"),
        nonBlocking: nearly(fc.boolean()),
        verify: nearly(fc.boolean(), "false"),
        minKernel: nearly(
          fc.constantFrom("5.15", " 6.1", "6.8.0-45-generic", "4.11.0"),
          "5",
          "v5.15",
          "x",
          5.1,
        ),
      },
      { requiredKeys: ["version"] },
    ),
    unknownKeys,
  )
  .map(([known, unknown]) => ({ ...known, ...unknown }));

describe("policy-schema.json", () => {
  it("describes exactly the fields, values and required keys of the io-ts codecs", () => {
    expectAgreement(PolicyFileCodec, schema as Schema, "(document)");
  });

  it("accepts exactly the documents the codecs accept", () => {
    fc.assert(
      fc.property(document, (candidate) => {
        expect(validate(candidate)).toBe(codecAccepts(candidate));
      }),
      { numRuns: 3000 },
    );
  });

  it("validates every example policy", () => {
    const directory = join(import.meta.dirname, "../../../../examples/policies");
    const files = readdirSync(directory).filter((file) => file.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const value = parse(readFileSync(join(directory, file), "utf8")) as unknown;
      expect(validate(value) ? [] : validate.errors, file).toEqual([]);
    }
  });
});

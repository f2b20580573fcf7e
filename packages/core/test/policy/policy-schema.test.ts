import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import fc from "fast-check";
import { isRight } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { decodeDocument } from "../../src/policy/decode-document.js";
import { MULTI_POLICY_DOCUMENT } from "../../src/policy/multi-policy-document.js";
import { codecOf, MultiPolicyDocumentCodec, PolicyFileCodec } from "../../src/policy/policy-codecs.js";
import {
  EXTENDS,
  EXTENDS_ENTRY,
  FEATURE_LIST,
  FEATURE_NAME_SPELLINGS,
  type FieldSpec,
  FORMAT_VERSIONS,
  KERNEL_RELEASE,
  landlockSpellings,
  MAX_RULE_PATH_BYTES,
  POLICY_FILE,
  PRESET_NAMES,
} from "../../src/policy/policy-document.js";
import schema from "../../src/policy/policy-schema.json" with { type: "json" };
import { documentSpecOf } from "../../src/policy/resolve-extends.js";

type Schema = Record<string, unknown>;
const definitions = schema.definitions as Record<string, Schema>;
const deref = (node: Schema): Schema =>
  typeof node.$ref === "string" ? definitions[node.$ref.replace("#/definitions/", "")]! : node;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const decoderAccepts = (document: unknown) =>
  decodeDocument(documentSpecOf(document, "file"), document, {}).issues.length === 0;

// The schema node of each spec, compared by what the spec accepts; the codec built from the spec has its shape.
function expectAgreement(spec: FieldSpec, node: Schema, path: string): void {
  const resolved = deref(node);
  const codec = codecOf(spec);
  if (spec.kind === "mapping") {
    expect(codec, path).toBeInstanceOf(spec.required.length > 0 ? t.IntersectionType : t.PartialType);
    expect(resolved.type, path).toBe("object");
    expect(resolved.additionalProperties, path).toBe(false);
    expect(Object.keys(resolved.properties as Schema).sort(), path).toEqual(Object.keys(spec.fields).sort());
    expect([...((resolved.required as string[] | undefined) ?? [])].sort(), path).toEqual(
      [...spec.required].sort(),
    );
    for (const [key, field] of Object.entries(spec.fields)) {
      expectAgreement(field, (resolved.properties as Record<string, Schema>)[key]!, `${path}.${key}`);
    }
  } else if (spec === FEATURE_LIST) {
    expect(resolved.type, path).toBe("array");
    expect(deref(resolved.items as Schema).enum, path).toEqual(FEATURE_NAME_SPELLINGS);
  } else if (spec.kind === "list" && spec.of.kind === "landlock-right") {
    expect(resolved.type, path).toBe("array");
    expect(resolved.minItems, path).toBe(spec.nonEmpty ? 1 : undefined);
    expect(deref(resolved.items as Schema).enum, path).toEqual(landlockSpellings(spec.of.groups));
  } else if (spec.kind === "list") {
    expect(codec, path).toBeInstanceOf(t.ReadonlyArrayType);
    expect(resolved.type, path).toBe("array");
    expect(resolved.minItems, path).toBe(spec.nonEmpty ? 1 : undefined);
    expectAgreement(spec.of, resolved.items as Schema, `${path}[]`);
  } else if (spec.kind === "variant") {
    const branches = resolved.oneOf as Schema[];
    expect(branches, path).toHaveLength(spec.of.length);
    spec.of.forEach((mapping, index) => {
      expect(mapping.required, path).toContain(spec.by[index]);
      expectAgreement(mapping, branches[index]!, `${path}<${spec.by[index]}>`);
    });
  } else if (spec.kind === "absolute-path") {
    expect(resolved.type, path).toBe("string");
    expect(resolved.maxLength, path).toBe(MAX_RULE_PATH_BYTES);
    expect(resolved.pattern, path).toMatch(/^\^\//);
  } else if (spec.kind === "port") {
    expect([resolved.type, resolved.minimum, resolved.maximum], path).toEqual(["integer", 0, 65535]);
  } else if (spec === EXTENDS) {
    expect(codec, path).toBeInstanceOf(t.UnionType);
    const [entry, list] = resolved.anyOf as Schema[];
    expectAgreement(EXTENDS_ENTRY, entry!, path);
    expect(deref((list!.items as Schema) ?? {}), path).toEqual(deref(entry!));
  } else if (spec === EXTENDS_ENTRY) {
    expect(resolved.type, path).toBe("string");
    expect(resolved.maxLength, path).toBe(4096);
    expect((resolved.not as Schema).pattern, path).toBe(`^preset:(?!(${PRESET_NAMES.join("|")})$)`);
  } else if (spec === KERNEL_RELEASE) {
    expect(resolved.type, path).toBe("string");
  } else if (spec.kind === "enum") {
    expect(resolved.enum, path).toEqual(spec.values);
  } else if (spec.kind === "version") {
    expect(resolved.const, path).toBe(spec.value);
  } else if (spec.kind === "boolean") {
    expect(resolved.type, path).toBe("boolean");
  } else if (spec.kind === "string") {
    expect(resolved.type, path).toBe("string");
    expect(resolved.maxLength, path).toBe(spec.maxLength);
  } else {
    throw new Error(`no schema comparison for ${spec.kind} at ${path}`);
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

const LANDLOCK_LIST_NAMES = landlockSpellings(["fs", "net", "scope", "restrict"]);
const landlockName = (names: readonly string[]) =>
  nearly(fc.constantFrom(...names), "QUIET", "read_file", "LANDLOCK_ACCESS_NET_READ_FILE", "READ_FIEL", "");
const landlockNames = (names: readonly string[], minLength = 0) =>
  nearly(fc.array(landlockName(names), { minLength, maxLength: 3 }), []);
const pathRule = fc.record({
  path: nearly(fc.constantFrom("/usr", "/", "/tmp/é", `/${"x".repeat(200)}`), "usr", "", "/a\u0000b", 7),
  allow: landlockNames(landlockSpellings(["fs"]), 1),
});
const portRule = fc.record({
  port: nearly(fc.constantFrom(0, 80, 8080, 65535), 65536, -1, 1.5, "80", 1e308),
  allow: landlockNames(landlockSpellings(["net"]), 1),
});
const rule = nearly(
  fc.oneof(pathRule, portRule),
  { path: "/x", port: 80, allow: ["READ_FILE"] },
  { allow: ["READ_FILE"] },
  { path: "/x", allow: ["READ_FILE"], rulez: 1 },
);
const knob = <T>(values: readonly T[]) => nearly(fc.constantFrom(...values), "fast");
const sectionKnobs = {
  strategy: knob(["auto", "probe", "one-shot"]),
  onReject: knob(["probe", "fail"]),
  onMissingOptional: knob(["ignore", "warn", "error"]),
};
const versionTwo = fc.record(
  {
    version: nearly(fc.constant(2), 3, "2"),
    name: nearly(fc.string({ maxLength: 8 })),
    extends: nearly(fc.oneof(extendsEntry, fc.array(extendsEntry, { maxLength: 2 }))),
    ...sectionKnobs,
    verify: nearly(fc.boolean()),
    userfaultfd: nearly(
      fc.record(
        {
          required: featureList,
          optional: featureList,
          oneOf: nearly(fc.array(featureList, { maxLength: 2 })),
          ...sectionKnobs,
          open: knob(["auto", "syscall", "device", "user-mode-only"]),
          verify: nearly(fc.boolean()),
          minKernel: nearly(fc.constantFrom("5.15"), "v5"),
        },
        { requiredKeys: [] },
      ),
    ),
    landlock: nearly(
      fc.record(
        {
          required: landlockNames(LANDLOCK_LIST_NAMES),
          optional: landlockNames(LANDLOCK_LIST_NAMES),
          forbidden: landlockNames(LANDLOCK_LIST_NAMES),
          rules: nearly(fc.array(rule, { maxLength: 3 })),
          unavailable: knob(["fail", "run-unconfined"]),
          threads: knob(["fail", "warn"]),
          ...sectionKnobs,
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ["version"] },
);
// Now and then a key of one place written at another.
const misplaced = fc.oneof(
  { weight: 20, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constant({ open: "auto" }) },
  { weight: 1, arbitrary: fc.constant({ userfaultfd: { features: {} } }) },
  { weight: 1, arbitrary: fc.constant({ landlock: { verify: true } }) },
);
const versionTwoDocument = fc
  .tuple(versionTwo, misplaced)
  .map(([document, extra]) => ({ ...document, ...extra }) as Record<string, unknown>);
// Keys the format does not have at that place, which the codecs (like io-ts' own) ignore.
const MISPLACED = /"(open|features|rulez|verify)":/;
const hasMisplacedKey = (candidate: unknown) => {
  const { userfaultfd, landlock, ...top } = candidate as Record<string, unknown>;
  return (
    "open" in top ||
    MISPLACED.test(JSON.stringify(landlock ?? {})) ||
    (typeof userfaultfd === "object" && userfaultfd !== null && "features" in userfaultfd)
  );
};

describe("policy-schema.json", () => {
  it("describes exactly the fields, values and required keys of the format's specs and codecs", () => {
    expect(schema.properties.version.enum).toEqual([...FORMAT_VERSIONS]);
    expect(schema.required).toEqual(["version"]);
    expect(schema.if).toEqual({ properties: { version: { const: 2 } } });
    expect(deref(schema.then as Schema)).toBe(definitions.policyV2);
    expect(deref(schema.else as Schema)).toBe(definitions.policyV1);
    expectAgreement(POLICY_FILE, definitions.policyV1!, "(version 1)");
    expectAgreement(MULTI_POLICY_DOCUMENT, definitions.policyV2!, "(version 2)");
  });

  it("accepts exactly the documents the decoder accepts, and the io-ts codec too (it ignores unknown keys)", () => {
    fc.assert(
      fc.property(document, (candidate) => {
        const accepted = decoderAccepts(candidate);
        expect(validate(candidate)).toBe(accepted);
        const unknownKey = Object.keys(candidate).some((key) => !(key in POLICY_FILE.fields));
        if (
          !unknownKey &&
          !(
            "features" in candidate &&
            typeof candidate.features === "object" &&
            candidate.features !== null &&
            Object.keys(candidate.features).some(
              (key) => !["required", "optional", "forbidden", "oneOf"].includes(key),
            )
          )
        )
          expect(isRight(PolicyFileCodec.decode(candidate))).toBe(accepted);
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts exactly the version 2 documents the decoder accepts, and the io-ts codec too", () => {
    let accepted = 0;
    fc.assert(
      fc.property(versionTwoDocument, (candidate) => {
        const decoded = decoderAccepts(candidate);
        if (decoded) accepted++;
        expect(validate(candidate)).toBe(decoded);
        if (candidate.version === 2 && !hasMisplacedKey(candidate))
          expect(isRight(MultiPolicyDocumentCodec.decode(candidate))).toBe(decoded);
      }),
      { numRuns: 3000 },
    );
    // The property says something only if both answers come up often.
    expect(accepted).toBeGreaterThan(300);
    expect(accepted).toBeLessThan(2700);
  });

  it("refuses control characters and over-long names and releases, as the decoder does", () => {
    for (const candidate of [
      { version: 1, name: "a\u001b]0;title\u0007" },
      { version: 1, name: "x".repeat(257) },
      { version: 1, minKernel: "5.15 or so" },
      { version: 1, minKernel: `5.15-${"x".repeat(64)}` },
      { version: 1, extends: "a\u0000b" },
    ]) {
      expect(validate(candidate), JSON.stringify(candidate)).toBe(false);
      expect(decoderAccepts(candidate), JSON.stringify(candidate)).toBe(false);
    }
    expect(validate({ version: 1, name: "x".repeat(256), minKernel: " 6.8.0-45-generic " })).toBe(true);
    expect(decoderAccepts({ version: 1, name: "x".repeat(256), minKernel: " 6.8.0-45-generic " })).toBe(true);
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

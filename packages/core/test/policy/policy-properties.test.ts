import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { definePolicy } from "../../src/policy/define-policy.js";
import { loadPolicy } from "../../src/policy/load-policy.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import type { Policy } from "../../src/policy/policy.js";
import type { PolicyFormat, PolicyInput } from "../../src/policy/policy-document.js";
import { stringifyPolicy } from "../../src/policy/write-policy.js";
import { catalogue, type FeatureName } from "../../src/userfaultfd/catalogue.js";

const NAMES = catalogue.map((entry) => entry.name);
type Status = "required" | "optional" | "forbidden";
type Document = { -readonly [K in keyof PolicyInput]: PolicyInput[K] };

const spelled = (name: FeatureName) =>
  fc.constantFrom<
    PolicyInput["features"] extends infer F
      ? F extends { required?: readonly (infer N)[] }
        ? N
        : never
      : never
  >(name, `UFFD_FEATURE_${name}`);

const scalars = {
  strategy: fc.constantFrom("auto", "probe", "one-shot"),
  onReject: fc.constantFrom("probe", "fail"),
  onMissingOptional: fc.constantFrom("ignore", "warn", "error"),
  open: fc.constantFrom("auto", "syscall", "device", "user-mode-only"),
  userModeOnly: fc.constantFrom("allow", "forbid", "require"),
  closeOnExec: fc.boolean(),
  nonBlocking: fc.boolean(),
  verify: fc.boolean(),
  minKernel: fc.constantFrom("4.11", "5.15", "6.1.26", "6.8.0-45-generic"),
} as const;
type ScalarField = keyof typeof scalars;
const SCALAR_FIELDS = Object.keys(scalars) as ScalarField[];

const contradicts = (document: Document) =>
  (document.open === "user-mode-only" && document.userModeOnly === "forbid") ||
  ((document.open === "syscall" || document.open === "device") && document.userModeOnly === "require");

/** A valid document over `names`: each name gets at most one status; groups use names that are not forbidden. */
function validDocument(names: readonly FeatureName[], fields: readonly ScalarField[] = SCALAR_FIELDS) {
  return fc
    .record({
      statuses: fc.tuple(
        ...names.map(() =>
          fc.constantFrom<Status | undefined>(undefined, "required", "optional", "forbidden"),
        ),
      ),
      groups: fc.array(
        fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, names.length - 1) }), {
          minLength: 1,
          maxLength: 3,
        }),
        {
          maxLength: names.length === 0 ? 0 : 2,
        },
      ),
      spellings: fc.tuple(...names.map(spelled)),
      name: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
      scalars: fc.record(Object.fromEntries(fields.map((field) => [field, scalars[field]])), {
        requiredKeys: [],
      }),
    })
    .map(({ statuses, groups, spellings, name, scalars: values }) => {
      const listed = (status: Status) => spellings.filter((_, index) => statuses[index] === status);
      const oneOf = groups
        .map((group) =>
          group.filter((index) => statuses[index] !== "forbidden").map((index) => spellings[index]!),
        )
        .filter((group) => group.length > 0);
      const document: Document = {
        ...(name === undefined ? {} : { name }),
        features: {
          required: listed("required"),
          optional: listed("optional"),
          forbidden: listed("forbidden"),
          oneOf,
        },
        ...values,
      };
      if (contradicts(document)) delete document.userModeOnly;
      return document;
    });
}

const formats = fc.constantFrom<PolicyFormat>("yaml", "json");
const serialize = (document: object, format: PolicyFormat) =>
  format === "json" ? JSON.stringify({ version: 1, ...document }) : stringify({ version: 1, ...document });

const directory = mkdtempSync(join(tmpdir(), "negotiate-policy-properties-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;
function writeBase(document: object, format: PolicyFormat): string {
  const file = `base-${files++}.${format}`;
  writeFileSync(join(directory, file), serialize(document, format));
  return `./${file}`;
}

// oneOf groups are independent of each other: compare them as a set.
const canonical = (policy: Policy<never, FeatureName>) => ({
  ...policy,
  oneOf: policy.oneOf.map((group) => group.join(",")).sort(),
});

describe("policy properties", () => {
  it("a valid document means the same in code, in YAML and in JSON", () => {
    fc.assert(
      fc.property(validDocument(NAMES), formats, (document, format) => {
        const inCode = definePolicy(document);
        const inText = parsePolicy(serialize(document, format), { format });
        expect(inCode.isOk()).toBe(true);
        expect(inText._unsafeUnwrap()).toEqual(inCode._unsafeUnwrap());
      }),
      { numRuns: 300 },
    );
  });

  it("a valid policy survives a write/parse round trip", () => {
    fc.assert(
      fc.property(validDocument(NAMES), formats, (document, format) => {
        const policy = definePolicy(document)._unsafeUnwrap();
        const text = stringifyPolicy(policy, { format });
        expect(parsePolicy(text, { format })._unsafeUnwrap()).toEqual(policy);
      }),
      { numRuns: 300 },
    );
  });

  it("the order of extended policies does not matter when they list different features and set different fields", () => {
    const bases = fc
      .tuple(
        fc.shuffledSubarray(NAMES, { minLength: 3, maxLength: NAMES.length }),
        fc.shuffledSubarray(SCALAR_FIELDS),
        fc.integer({ min: 2, max: 3 }),
      )
      .chain(([names, fields, count]) => {
        const share = <T>(items: readonly T[], index: number) =>
          items.filter((_, at) => at % count === index);
        return fc.tuple(
          ...Array.from({ length: count }, (_, index) =>
            fc.tuple(validDocument(share(names, index), share(fields, index)), formats),
          ),
        );
      });
    fc.assert(
      fc.property(bases, (documents) => {
        // Contradictions between two bases' open settings are errors whatever the order; keep the bases compatible.
        const merged = Object.assign({}, ...documents.map(([document]) => document)) as Document;
        fc.pre(!contradicts(merged));
        const references = documents.map(([document, format]) => writeBase(document, format));
        const resolve = (order: readonly string[]) =>
          loadPolicy(join(directory, writeBase({ extends: order }, "yaml")))._unsafeUnwrap();
        const forward = resolve(references);
        const backward = resolve([...references].reverse());
        expect(canonical(backward)).toEqual(canonical(forward));
      }),
      { numRuns: 100 },
    );
  });

  it("where extended policies disagree, the later one decides each feature and each field", () => {
    const both = fc.tuple(validDocument(NAMES.slice(0, 6)), validDocument(NAMES.slice(0, 6)));
    fc.assert(
      fc.property(both, formats, ([first, second], format) => {
        const merged = { ...first, ...second } as Document;
        fc.pre(!contradicts(merged));
        const strip = (document: Document): Document => ({
          ...document,
          features: { ...document.features, oneOf: [] },
        });
        const [a, b] = [writeBase(strip(first), format), writeBase(strip(second), format)];
        const policy = loadPolicy(join(directory, writeBase({ extends: [a, b] }, "yaml")))._unsafeUnwrap();
        const statusIn = (document: Document, name: FeatureName): Status | undefined =>
          (["required", "optional", "forbidden"] as const).find((status) =>
            (document.features?.[status] ?? []).some(
              (spelling) => spelling.replace("UFFD_FEATURE_", "") === name,
            ),
          );
        for (const name of NAMES.slice(0, 6)) {
          const expected = statusIn(second, name) ?? statusIn(first, name);
          const actual = (["required", "optional", "forbidden"] as const).find((status) =>
            policy[status].has(name),
          );
          expect(actual, name).toBe(expected);
        }
        for (const field of SCALAR_FIELDS) {
          const expected = second[field] ?? first[field];
          if (expected !== undefined) expect(policy[field], field).toBe(expected);
        }
      }),
      { numRuns: 150 },
    );
  });
});

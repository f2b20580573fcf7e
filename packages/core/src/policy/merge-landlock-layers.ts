import { LANDLOCK_CATALOGUE } from "../landlock/landlock-catalogue.js";
import type { LandlockRightName } from "../landlock/landlock-lookup.js";
import {
  LANDLOCK_POLICY_DEFAULTS,
  type LandlockPolicy,
  type LandlockRuleSpec,
} from "../landlock/landlock-policy.js";
import { entriesOf, FEATURE_LISTS, type FeatureStatus } from "./check-document.js";
import type { LooseMultiDocument } from "./decode-document.js";
import type { IssueSite } from "./policy-issue.js";
import { type Origin, recordLandlockOrigins } from "./policy-origins.js";

type LooseSection = NonNullable<LooseMultiDocument["landlock"]>;

/** One document's `landlock:` section, in the order `extends` resolution applies it. */
export interface LandlockLayer {
  readonly section: LooseSection;
  readonly site: IssueSite;
}

/** The scalar fields of a Landlock section, which a later layer overrides. */
const LANDLOCK_SCALAR_FIELDS = [
  "unavailable",
  "threads",
  "strategy",
  "onReject",
  "onMissingOptional",
] as const;
type LandlockScalarField = (typeof LANDLOCK_SCALAR_FIELDS)[number];

const CATALOGUE_ORDER = new Map<string, number>(
  LANDLOCK_CATALOGUE.map((entry, index) => [entry.name, index]),
);
const inCatalogueOrder = (names: Iterable<LandlockRightName>): LandlockRightName[] =>
  [...new Set(names)].sort((a, b) => CATALOGUE_ORDER.get(a)! - CATALOGUE_ORDER.get(b)!);

/**
 * The Landlock part of the last validate stage: applies the layers in order. Lists are the union of every
 * layer's, a right forbidden by any layer is forbidden (and in no other list), a right required by any layer
 * is not optional; rules are every layer's in order, the same rule (target and rights) kept once; scalar
 * fields: the last layer's that sets them, else `shared` (the top-level knobs), else the defaults. Linear.
 * Nothing here can conflict: what one document may not say is reported by `check-document.ts`.
 */
export function mergeLandlockLayers(
  layers: readonly LandlockLayer[],
  shared: ReadonlyMap<string, { readonly value: unknown; readonly origin: Origin }>,
): LandlockPolicy<never, never> {
  const statuses: { [Status in FeatureStatus]: Map<LandlockRightName, Origin> } = {
    required: new Map(),
    optional: new Map(),
    forbidden: new Map(),
  };
  const rules = new Map<string, { readonly rule: LandlockRuleSpec; readonly origin: Origin }>();
  const fields = new Map<string, { readonly value: unknown; readonly origin: Origin }>(shared);
  for (const { section, site } of layers) {
    for (const status of FEATURE_LISTS) {
      for (const { name, index } of entriesOf(section[status])) {
        statuses[status].set(name, { site, segments: ["landlock", status, index] });
      }
    }
    (section.rules ?? []).forEach((rule, index) => {
      const complete = completeRule(rule);
      if (complete === undefined) return;
      const key = JSON.stringify(complete);
      if (!rules.has(key))
        rules.set(key, { rule: complete, origin: { site, segments: ["landlock", "rules", index] } });
    });
    for (const field of LANDLOCK_SCALAR_FIELDS) {
      if (section[field] !== undefined)
        fields.set(field, { value: section[field], origin: { site, segments: ["landlock", field] } });
    }
  }
  const forbidden = inCatalogueOrder(statuses.forbidden.keys());
  const required = inCatalogueOrder(
    [...statuses.required.keys()].filter((name) => !statuses.forbidden.has(name)),
  );
  const optional = inCatalogueOrder(
    [...statuses.optional.keys()].filter(
      (name) => !statuses.forbidden.has(name) && !statuses.required.has(name),
    ),
  );
  const values = Object.fromEntries(
    LANDLOCK_SCALAR_FIELDS.flatMap((field) => {
      const entry = fields.get(field);
      return entry === undefined ? [] : [[field, entry.value]];
    }),
  ) as Partial<Pick<LandlockPolicy, LandlockScalarField>>;
  const policy: LandlockPolicy<never, never> = Object.freeze({
    required: Object.freeze(required) as readonly never[],
    optional: Object.freeze(optional) as readonly never[],
    forbidden: Object.freeze(forbidden),
    rules: Object.freeze([...rules.values()].map((entry) => entry.rule)),
    ...LANDLOCK_POLICY_DEFAULTS,
    ...values,
  });
  const finalOrigin = (name: LandlockRightName): Origin =>
    statuses.forbidden.get(name) ?? statuses.required.get(name) ?? statuses.optional.get(name)!;
  recordLandlockOrigins(policy, {
    rights: new Map([...forbidden, ...required, ...optional].map((name) => [name, finalOrigin(name)])),
    rules: [...rules.values()].map((entry) => entry.origin),
    fields: new Map(
      LANDLOCK_SCALAR_FIELDS.flatMap((field) => {
        const entry = fields.get(field);
        return entry === undefined ? [] : [[field, entry.origin] as const];
      }),
    ),
  });
  return policy;
}

// A rule that decoded whole, frozen, its rights once each in catalogue order; `undefined` when part of it did
// not decode (the decoder reported that).
function completeRule(rule: NonNullable<LooseSection["rules"]>[number]): LandlockRuleSpec | undefined {
  if (rule === undefined || rule.allow === undefined || rule.allow.some((name) => name === undefined))
    return undefined;
  const allow = Object.freeze(inCatalogueOrder(rule.allow as readonly LandlockRightName[]));
  if ("path" in rule && typeof rule.path === "string") return Object.freeze({ path: rule.path, allow });
  if ("port" in rule && typeof rule.port === "number") return Object.freeze({ port: rule.port, allow });
  return undefined;
}

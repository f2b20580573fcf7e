import { err, ok, type Result } from "neverthrow";
import type { PolicyIssue } from "../errors.js";
import type { LooseDocument, LooseMultiDocument } from "./decode-document.js";
import { type LandlockLayer, mergeLandlockLayers } from "./merge-landlock-layers.js";
import { mergeLayers, type PolicyLayer } from "./merge-layers.js";
import type { MultiPolicy } from "./multi-policy.js";
import { SHARED_KNOBS } from "./multi-policy-document.js";
import type { Policy } from "./policy.js";
import { FEATURES } from "./policy-document.js";
import { issueAt, type PathSegment } from "./policy-issue.js";
import type { Origin, ScalarField } from "./policy-origins.js";
import type { ResolvedLayer } from "./resolve-extends.js";

type Shared = Map<ScalarField, { readonly value: unknown; readonly origin: Origin }>;

// A `userfaultfd:` section's paths: `features.required[0]` and `strategy` are `userfaultfd.required[0]` and
// `userfaultfd.strategy`.
const inUserfaultfdSection = (segments: readonly PathSegment[]): readonly PathSegment[] =>
  segments[0] === "features" ? ["userfaultfd", ...segments.slice(1)] : ["userfaultfd", ...segments];

const FEATURE_KEYS: ReadonlySet<string> = new Set(Object.keys(FEATURES.fields));

function asVersion1(section: NonNullable<LooseMultiDocument["userfaultfd"]>): LooseDocument {
  const features: Record<string, unknown> = {};
  const knobs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) (FEATURE_KEYS.has(key) ? features : knobs)[key] = value;
  return { features, ...knobs } as LooseDocument;
}

/**
 * The last validate stage when a version 2 document is involved: splits every layer into its sections (a
 * version 1 document, preset or file, is a userfaultfd layer) and merges each section's layers, the userfaultfd
 * one exactly as version 1 does (`merge-layers.ts`), the Landlock one by `merge-landlock-layers.ts`. The
 * top-level knobs merge (later wins) and fill the fields no section layer set. `name` is the last layer's own.
 * A policy with no section at all is an issue: it would negotiate nothing.
 */
export function mergeMultiLayers(
  layers: readonly ResolvedLayer[],
): Result<MultiPolicy<never, never, never, never>, PolicyIssue[]> {
  const shared: Shared = new Map();
  const userfaultfd: PolicyLayer[] = [];
  const landlock: LandlockLayer[] = [];
  for (const layer of layers) {
    const { raw, site } = layer;
    if (layer.version === 1) {
      userfaultfd.push({ document: layer.document, raw, site });
      continue;
    }
    const { document } = layer;
    for (const knob of SHARED_KNOBS)
      if (document[knob] !== undefined)
        shared.set(knob, { value: document[knob], origin: { site, segments: [knob] } });
    if (document.userfaultfd !== undefined)
      userfaultfd.push({ document: asVersion1(document.userfaultfd), raw, site, at: inUserfaultfdSection });
    if (document.landlock !== undefined) landlock.push({ section: document.landlock, site });
  }
  const root = layers.at(-1);
  const name = root?.document.name;
  if (userfaultfd.length === 0 && landlock.length === 0) {
    return err([
      issueAt(
        root?.site ?? {},
        [],
        "declares no section: a version 2 policy has userfaultfd:, landlock: or both",
        {
          expected: ["userfaultfd: { … }", "landlock: { … }"],
        },
      ),
    ]);
  }
  let section: Policy<never, never> | undefined;
  if (userfaultfd.length > 0) {
    const merged = mergeLayers(userfaultfd, { name, shared });
    if (merged.isErr()) return err(merged.error);
    section = merged.value;
  }
  const landlockShared = new Map([...shared].filter(([knob]) => knob !== "verify"));
  return ok(
    Object.freeze({
      version: 2 as const,
      ...(name === undefined ? {} : { name }),
      ...(section === undefined ? {} : { userfaultfd: section }),
      ...(landlock.length === 0 ? {} : { landlock: mergeLandlockLayers(landlock, landlockShared) }),
    }),
  );
}

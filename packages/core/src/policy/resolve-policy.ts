import { dirname, join, resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import type { PolicyIssue } from "../errors.js";
import { decodeDocument } from "./decode-document.js";
import type { Policy } from "./policy.js";
import {
  PolicyDocumentCodec,
  PolicyFileCodec,
  type PolicyFormat,
  PRESET_PREFIX,
  PRESET_REFERENCES,
  type PresetName,
} from "./policy-document.js";
import { type IssueSite, issueAt, type PolicyError, policyError } from "./policy-issue.js";
import { readPolicyText } from "./policy-source.js";
import { POLICY_PRESETS } from "./presets.js";
import { formatOfPath, readPolicyFile } from "./read-policy-file.js";
import { checkDocument, type PolicyLayer, resolveLayers } from "./validate-policy.js";

/** What a policy is validated from: text (a file's, or given to `parsePolicy`) or a value from code. */
type PolicyOrigin =
  | { readonly kind: "text"; readonly text: string; readonly format: PolicyFormat; readonly file?: string }
  | { readonly kind: "code"; readonly value: unknown };

/** A file on the current `extends` chain: its absolute path for cycle detection, its name as displayed. */
interface ChainLink {
  readonly absolute: string;
  readonly display: string;
}

interface Document {
  readonly raw: unknown;
  readonly site: IssueSite;
  readonly codec: typeof PolicyDocumentCodec | typeof PolicyFileCodec;
  /** The directory relative `extends` paths start from; none in code, where only presets can be extended. */
  readonly directory?: string;
}

/**
 * The one validation path of `definePolicy`, `parsePolicy` and `loadPolicy`: decode the document, check it,
 * resolve its `extends` (presets and files, depth first, in order, cycles reported), then merge the layers.
 * Every issue of every document involved is reported at once.
 */
export function validatePolicy(origin: PolicyOrigin): Result<Policy<never, never>, PolicyError> {
  const issues: PolicyIssue[] = [];
  let root: Document;
  let chain: ChainLink[] = [];
  if (origin.kind === "code") {
    root = { raw: origin.value, site: {}, codec: PolicyDocumentCodec };
  } else {
    const source = readPolicyText(origin.text, origin.format, origin.file);
    if (source.isErr()) return err(policyError(source.error));
    const file = origin.file;
    root = {
      raw: source.value.raw,
      site: source.value.site,
      codec: PolicyFileCodec,
      directory: file === undefined ? process.cwd() : dirname(file),
    };
    if (file !== undefined) chain = [{ absolute: resolve(file), display: file }];
  }
  const layers = collectLayers(root, chain, issues);
  const resolved = resolveLayers(layers);
  if (resolved.isErr()) issues.push(...resolved.error);
  return issues.length > 0 || resolved.isErr() ? err(policyError(bySource(issues))) : ok(resolved.value);
}

// Issues of each file together (files in the order they were met), in text order within a file.
function bySource(issues: readonly PolicyIssue[]): PolicyIssue[] {
  const files = [...new Set(issues.map((issue) => issue.file))];
  const rank = (issue: PolicyIssue) => files.indexOf(issue.file);
  return [...issues].sort(
    (a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

function collectLayers(
  document: Document,
  chain: readonly ChainLink[],
  issues: PolicyIssue[],
): PolicyLayer[] {
  const decoded = decodeDocument(document.codec, document.raw, document.site);
  issues.push(...decoded.issues, ...checkDocument(decoded.document, document.raw, document.site));
  const layers: PolicyLayer[] = [];
  const declared = decoded.document.extends;
  const entries = typeof declared === "string" ? [declared] : (declared ?? []);
  entries.forEach((entry, index) => {
    if (entry === undefined) return;
    const segments = typeof declared === "string" ? ["extends"] : ["extends", index];
    if (entry.startsWith(PRESET_PREFIX)) {
      layers.push(...presetLayers(entry.slice(PRESET_PREFIX.length) as PresetName, issues));
      return;
    }
    if (document.directory === undefined) {
      issues.push(
        issueAt(
          document.site,
          segments,
          `a policy defined in code can extend presets only, not the file "${entry}"`,
          {
            value: entry,
            expected: PRESET_REFERENCES,
          },
        ),
      );
      return;
    }
    const display = join(document.directory, entry);
    const absolute = resolve(display);
    const cycleStart = chain.findIndex((link) => link.absolute === absolute);
    if (cycleStart >= 0) {
      const cycle = [...chain.slice(cycleStart).map((link) => link.display), display].join(" → ");
      issues.push(
        issueAt(document.site, segments, `extends cycle: ${cycle}`, {
          value: entry,
          expected: ["a policy that does not extend, directly or not, the policy extending it"],
        }),
      );
      return;
    }
    const text = readPolicyFile(absolute);
    if (text.isErr()) {
      issues.push(
        issueAt(document.site, segments, `cannot read ${display}: ${text.error.reason}`, {
          value: entry,
          expected: ["a readable policy file, relative to this file", "preset:<name>"],
        }),
      );
      return;
    }
    const source = readPolicyText(text.value, formatOfPath(absolute), display);
    if (source.isErr()) {
      issues.push(...source.error);
      return;
    }
    const base: Document = { ...source.value, codec: PolicyFileCodec, directory: dirname(display) };
    layers.push(...collectLayers(base, [...chain, { absolute, display }], issues));
  });
  layers.push({ document: decoded.document, raw: document.raw, site: document.site });
  return layers;
}

function presetLayers(name: PresetName, issues: PolicyIssue[]): PolicyLayer[] {
  const site: IssueSite = { file: `${PRESET_PREFIX}${name}` };
  return collectLayers({ raw: POLICY_PRESETS[name].document, site, codec: PolicyDocumentCodec }, [], issues);
}

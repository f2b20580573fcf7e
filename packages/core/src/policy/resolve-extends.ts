import { dirname, isAbsolute, join, resolve } from "node:path";
import type { PolicyIssue } from "../errors.js";
import { checkDocument, checkMultiDocument } from "./check-document.js";
import { decodeDocument, type LooseDocument, type LooseMultiDocument } from "./decode-document.js";
import { MULTI_POLICY_DOCUMENT } from "./multi-policy-document.js";
import { formatOfPath, parsePolicyText } from "./parse-policy-text.js";
import {
  FORMAT_VERSIONS,
  type FormatVersion,
  type MappingSpec,
  POLICY_DOCUMENT,
  POLICY_FILE,
  PRESET_PREFIX,
  PRESET_REFERENCES,
  type PresetName,
} from "./policy-document.js";
import { type IssueSite, issueAt, type PathSegment } from "./policy-issue.js";
import { POLICY_PRESETS } from "./presets.js";
import { quoteText } from "./quote-value.js";
import { readBoundedFile, realPathOf } from "./read-bounded-file.js";

/** How many files an `extends` chain may go through below the policy itself. */
export const MAX_EXTENDS_DEPTH = 32;
/** How many distinct files one policy's `extends` may read in all. */
export const MAX_EXTENDS_FILES = 64;

/** A document to resolve: its plain value, where its issues go, and the file it is (none in code). */
export interface PolicySourceDocument {
  readonly raw: unknown;
  readonly site: IssueSite;
  /** The format it is decoded with: `documentSpecOf(raw, …)`, or a preset's version 1 document. */
  readonly spec: MappingSpec;
  /** The directory relative `extends` paths start from; none in code, where only presets can be extended. */
  readonly directory?: string;
  /** The file's real path, which identifies it; its name as issues show it is `site.file`. */
  readonly realPath?: string;
}

/** The format a value is decoded with: version 2 when it says so, else version 1 (`version` required in files). */
export function documentSpecOf(raw: unknown, origin: "file" | "code"): MappingSpec {
  if (declaredVersion(raw) === 2) return MULTI_POLICY_DOCUMENT;
  return origin === "file" ? POLICY_FILE : POLICY_DOCUMENT;
}

/** One document, in the order `extends` resolution applies it, decoded with the format it declares. */
export type ResolvedLayer =
  | { readonly version: 1; readonly document: LooseDocument; readonly raw: unknown; readonly site: IssueSite }
  | {
      readonly version: 2;
      readonly document: LooseMultiDocument;
      readonly raw: unknown;
      readonly site: IssueSite;
    };

interface Frame {
  readonly source: PolicySourceDocument;
  readonly layer: ResolvedLayer;
  readonly entries: readonly { readonly entry: string; readonly segments: readonly PathSegment[] }[];
  next: number;
}

/** What resolution found: the layers in the order they apply (the policy itself last) and every issue. */
export interface ResolvedLayers {
  readonly layers: readonly ResolvedLayer[];
  readonly issues: readonly PolicyIssue[];
  readonly unreported: number;
}

/**
 * The resolve stage: decodes and checks the document, then each policy it extends (presets and files, depth
 * first, in order), iteratively. Files are identified by real path: one met again is applied once, where
 * first met, and one met again on its own chain is a cycle (through a directory symlink too). Bounded by
 * `MAX_EXTENDS_DEPTH` and `MAX_EXTENDS_FILES`. The text of a file that is not a policy is never quoted.
 */
export function resolveExtends(root: PolicySourceDocument): ResolvedLayers {
  const issues: PolicyIssue[] = [];
  let unreported = 0;
  const layers: ResolvedLayer[] = [];
  const applied = new Set<string>();
  const stack: Frame[] = [];
  let filesRead = 0;
  let limitReported = false;
  // A path named many times (fan-out) is resolved once.
  const realPaths = new Map<string, ReturnType<typeof realPathOf>>();
  const enter = (source: PolicySourceDocument) => {
    const { raw, site } = source;
    let layer: ResolvedLayer;
    if (source.spec === MULTI_POLICY_DOCUMENT) {
      const decoded = decodeDocument<LooseMultiDocument>(source.spec, raw, site);
      unreported += decoded.unreported;
      issues.push(...decoded.issues, ...checkMultiDocument(decoded.document, raw, site));
      layer = { version: 2, document: decoded.document, raw, site };
    } else {
      const decoded = decodeDocument(source.spec, raw, site);
      unreported += decoded.unreported;
      issues.push(...decoded.issues, ...checkDocument(decoded.document, raw, site));
      layer = { version: 1, document: decoded.document, raw, site };
    }
    const declared = layer.document.extends;
    const list = typeof declared === "string" ? [declared] : (declared ?? []);
    const entries = list.flatMap((entry, index) =>
      entry === undefined
        ? []
        : [{ entry, segments: typeof declared === "string" ? ["extends"] : ["extends", index] }],
    );
    if (source.realPath !== undefined) applied.add(source.realPath);
    stack.push({ source, layer, entries, next: 0 });
  };
  enter(root);
  while (stack.length > 0) {
    const frame = stack.at(-1)!;
    const next = frame.entries[frame.next++];
    if (next === undefined) {
      stack.pop();
      layers.push(frame.layer);
      continue;
    }
    const { entry, segments } = next;
    const site = frame.source.site;
    if (entry.startsWith(PRESET_PREFIX)) {
      if (applied.has(entry)) continue;
      applied.add(entry);
      const name = entry.slice(PRESET_PREFIX.length) as PresetName;
      enter({ raw: POLICY_PRESETS[name].document, site: { file: entry }, spec: POLICY_DOCUMENT });
      continue;
    }
    const directory = frame.source.directory;
    if (directory === undefined) {
      issues.push(
        issueAt(
          site,
          segments,
          `a policy defined in code can extend presets only, not the file ${quoteText(entry)}`,
          {
            value: entry,
            expected: PRESET_REFERENCES,
          },
        ),
      );
      continue;
    }
    const display = isAbsolute(entry) ? entry : join(directory, entry);
    const cannotRead = (reason: string) =>
      issueAt(site, segments, `cannot read ${display}: ${reason}`, {
        value: entry,
        expected: ["a readable policy file, relative to this file", "preset:<name>"],
      });
    const absolute = resolve(display);
    let real = realPaths.get(absolute);
    if (real === undefined) {
      real = realPathOf(absolute);
      realPaths.set(absolute, real);
    }
    if (real.isErr()) {
      issues.push(cannotRead(real.error.reason));
      continue;
    }
    const onChain = stack.findIndex((link) => link.source.realPath === real.value);
    if (onChain >= 0) {
      const cycle = [...stack.slice(onChain).map((link) => link.source.site.file), display].join(" → ");
      issues.push(
        issueAt(site, segments, `extends cycle: ${cycle}`, {
          value: entry,
          expected: ["a policy that does not extend, directly or not, the policy extending it"],
        }),
      );
      continue;
    }
    if (applied.has(real.value)) continue;
    const limit =
      stack.length > MAX_EXTENDS_DEPTH
        ? `extends goes deeper than the limit of ${MAX_EXTENDS_DEPTH} files; ${display} is not read`
        : filesRead >= MAX_EXTENDS_FILES
          ? `extends names more than the limit of ${MAX_EXTENDS_FILES} files; ${display} is not read`
          : undefined;
    if (limit !== undefined) {
      if (!limitReported)
        issues.push(issueAt(site, segments, limit, { value: entry, expected: ["fewer files extended"] }));
      limitReported = true;
      continue;
    }
    filesRead++;
    const file = readBoundedFile(real.value);
    if (file.isErr()) {
      issues.push(cannotRead(file.error.reason));
      continue;
    }
    // Whatever else the file is (a secret, binary data, broken YAML), one message says so, quoting none of it.
    const parsed = parsePolicyText(file.value.text, formatOfPath(real.value), {
      file: display,
      excerpts: false,
    });
    if (parsed.isErr() || declaredVersion(parsed.value.raw) === undefined) {
      issues.push(
        issueAt(
          site,
          segments,
          `${display} is not a policy file (a YAML or JSON mapping that declares version: 1 or 2)`,
          {
            value: entry,
            expected: ["a policy file", "preset:<name>"],
          },
        ),
      );
      continue;
    }
    enter({
      ...parsed.value,
      spec: documentSpecOf(parsed.value.raw, "file"),
      directory: dirname(display),
      realPath: real.value,
    });
  }
  return { layers, issues, unreported };
}

// A policy document, as far as quoting its values goes: a mapping with its own `version: 1` or `2`.
function declaredVersion(raw: unknown): FormatVersion | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || !Object.hasOwn(raw, "version"))
    return undefined;
  const version = (raw as { version: unknown }).version;
  return FORMAT_VERSIONS.find((known) => known === version);
}

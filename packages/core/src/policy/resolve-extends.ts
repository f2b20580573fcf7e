import { dirname, isAbsolute, join, resolve } from "node:path";
import type { PolicyIssue } from "../errors.js";
import { checkDocument } from "./check-document.js";
import { decodeDocument, type LooseDocument } from "./decode-document.js";
import type { PolicyLayer } from "./merge-layers.js";
import { formatOfPath, parsePolicyText } from "./parse-policy-text.js";
import {
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
  readonly spec: MappingSpec;
  /** The directory relative `extends` paths start from; none in code, where only presets can be extended. */
  readonly directory?: string;
  /** The file's real path, which identifies it; its name as issues show it is `site.file`. */
  readonly realPath?: string;
}

interface Frame {
  readonly source: PolicySourceDocument;
  readonly document: LooseDocument;
  readonly entries: readonly { readonly entry: string; readonly segments: readonly PathSegment[] }[];
  next: number;
}

/** What resolution found: the layers in the order they apply (the policy itself last) and every issue. */
export interface ResolvedLayers {
  readonly layers: readonly PolicyLayer[];
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
  const layers: PolicyLayer[] = [];
  const applied = new Set<string>();
  const stack: Frame[] = [];
  let filesRead = 0;
  let limitReported = false;
  // A path named many times (fan-out) is resolved once.
  const realPaths = new Map<string, ReturnType<typeof realPathOf>>();
  const enter = (source: PolicySourceDocument) => {
    const decoded = decodeDocument(source.spec, source.raw, source.site);
    unreported += decoded.unreported;
    issues.push(...decoded.issues, ...checkDocument(decoded.document, source.raw, source.site));
    const declared = decoded.document.extends;
    const list = typeof declared === "string" ? [declared] : (declared ?? []);
    const entries = list.flatMap((entry, index) =>
      entry === undefined
        ? []
        : [{ entry, segments: typeof declared === "string" ? ["extends"] : ["extends", index] }],
    );
    if (source.realPath !== undefined) applied.add(source.realPath);
    stack.push({ source, document: decoded.document, entries, next: 0 });
  };
  enter(root);
  while (stack.length > 0) {
    const frame = stack.at(-1)!;
    const next = frame.entries[frame.next++];
    if (next === undefined) {
      stack.pop();
      layers.push({ document: frame.document, raw: frame.source.raw, site: frame.source.site });
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
    if (parsed.isErr() || !declaresVersion1(parsed.value.raw)) {
      issues.push(
        issueAt(
          site,
          segments,
          `${display} is not a policy file (a YAML or JSON mapping that declares version: 1)`,
          {
            value: entry,
            expected: ["a policy file", "preset:<name>"],
          },
        ),
      );
      continue;
    }
    enter({ ...parsed.value, spec: POLICY_FILE, directory: dirname(display), realPath: real.value });
  }
  return { layers, issues, unreported };
}

// A policy document, as far as quoting its values goes: a mapping with its own `version: 1`.
const declaresVersion1 = (raw: unknown): boolean =>
  typeof raw === "object" &&
  raw !== null &&
  !Array.isArray(raw) &&
  Object.hasOwn(raw, "version") &&
  (raw as { version: unknown }).version === 1;

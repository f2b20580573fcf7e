import { extname } from "node:path";
import { err, fromThrowable, ok, type Result } from "neverthrow";
import type { Document, Node } from "yaml";
import type { PolicyIssue } from "../errors.js";
import { yaml } from "./lazy-dependencies.js";
import type { PolicyFormat } from "./policy-document.js";
import { type IssueSite, issueAt, type PathSegment, type SourcePosition } from "./policy-issue.js";
import { quoteText } from "./quote-value.js";
import { MAX_FILE_BYTES } from "./read-bounded-file.js";

/** A document read from text: its plain value, and where its issues are reported. */
export interface ParsedPolicyText {
  readonly raw: unknown;
  readonly site: IssueSite;
}

// C0 controls other than tab, line feed and carriage return, and DEL: YAML (c-printable) and JSON refuse
// them too, with less clear messages.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * How many values a text may hold, counted before parsing as its lines, commas and brackets: what the YAML
 * parser's time grows with (a few hundred thousand take it seconds). A policy holds a few dozen.
 */
export const MAX_VALUES = 10_000;

function tooManyValues(text: string): boolean {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    // \n , [ {
    if ((char === 0x0a || char === 0x2c || char === 0x5b || char === 0x7b) && ++count > MAX_VALUES)
      return true;
  }
  return false;
}

/** How deep a document may nest collections; a policy needs 4 levels. */
export const MAX_NESTING = 64;

const failureText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const parseJson = fromThrowable((text: string) => JSON.parse(text) as unknown, failureText);

/**
 * The parse stage: YAML (core schema; other tags refused) or strict JSON (`JSON.parse`, duplicate keys
 * refused) to a plain value. The YAML parser is loaded on first use; for JSON it maps paths to positions only
 * when an issue is reported. `excerpts: false` (a file that may not be a policy) keeps the text out of issues.
 */
export function parsePolicyText(
  text: string,
  format: PolicyFormat,
  options: { readonly file?: string; readonly excerpts: boolean },
): Result<ParsedPolicyText, PolicyIssue[]> {
  const base: IssueSite = options.file === undefined ? {} : { file: options.file };
  if (text.length > MAX_FILE_BYTES) {
    return err([
      issueAt(
        base,
        [],
        `the text is ${text.length} characters long, more than the limit of ${MAX_FILE_BYTES} (1 MiB)`,
        {
          expected: ["a policy of at most 1 MiB"],
        },
      ),
    ]);
  }
  if (tooManyValues(text)) {
    return err([
      issueAt(
        base,
        [],
        `holds more than the limit of ${MAX_VALUES} values (lines, list entries, mappings): a policy has a few dozen`,
        { expected: [`at most ${MAX_VALUES} values`] },
      ),
    ]);
  }
  const control = CONTROL.exec(text);
  if (control !== null) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    return err([
      issueAt(
        { ...base, locate: () => positionIn(text, control.index) },
        [],
        `holds the control character ${code}: a policy file is text (tabs and line breaks only)`,
        { expected: ["UTF-8 text without control characters"] },
      ),
    ]);
  }
  if (format === "json") {
    const parsed = parseJson(text);
    const scan = scanJson(text);
    if (parsed.isOk() && scan.depth <= MAX_NESTING && scan.keys === countKeys(parsed.value)) {
      let located:
        | ((segments: readonly PathSegment[], target: "key" | "value") => SourcePosition)
        | undefined;
      const locate = (segments: readonly PathSegment[], target: "key" | "value") => {
        located ??= parseYaml(text, format, base, options.excerpts)
          .map((source) => source.locate)
          .unwrapOr(() => ({ line: 1, column: 1 }));
        return located(segments, target);
      };
      return ok({ raw: parsed.value, site: { ...base, locate } });
    }
    if (scan.depth > MAX_NESTING) return err([nestingIssue(base)]);
    if (parsed.isErr()) {
      const offset = /position (\d+)/.exec(parsed.error)?.[1];
      // Node 20's messages give no position; the YAML parser finds one.
      const at =
        offset === undefined
          ? yaml().parseDocument(text, { schema: "json" }).errors[0]?.pos[0]
          : Number(offset);
      return err([syntaxIssue(text, base, at, `JSON syntax: ${firstLine(parsed.error)}`, options.excerpts)]);
    }
  }
  return parseYaml(text, format, base, options.excerpts).map(({ raw, locate }) => ({
    raw,
    site: { ...base, locate },
  }));
}

interface YamlSource {
  readonly raw: unknown;
  readonly locate: (segments: readonly PathSegment[], target: "key" | "value") => SourcePosition;
}

const toJs = (doc: Document.Parsed) =>
  fromThrowable(() => doc.toJS({ maxAliasCount: 100 }) as unknown, failureText)();

function parseYaml(
  text: string,
  format: PolicyFormat,
  site: IssueSite,
  excerpts: boolean,
): Result<YamlSource, PolicyIssue[]> {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    schema: format === "json" ? "json" : "core",
  });
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const located = { ...site, locate: () => undefined };
  const language = format === "json" ? "JSON" : "YAML";
  const issues: PolicyIssue[] = [];
  for (const error of doc.errors) {
    if (error.code === "RESOURCE_EXHAUSTION") return err([nestingIssue(site)]);
    const message =
      error.code === "MULTIPLE_DOCS"
        ? `${language} syntax: a policy file holds one document; remove the second one, from this ---`
        : `${language} syntax: ${firstLine(error.message)}`;
    issues.push(syntaxIssue(text, site, error.pos[0], message, excerpts, position));
  }
  for (const { tag, offset } of foreignTags(doc)) {
    issues.push(
      issueAt(
        { ...located, locate: () => position(offset) },
        [],
        `YAML tag ${quoteText(tag)} is not allowed: a policy holds plain strings, numbers, booleans, lists and mappings`,
        {
          value: tag,
          expected: ["no tag", "a core schema tag (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq)"],
        },
      ),
    );
  }
  if (issues.length > 0) return err(issues);
  const raw = toJs(doc);
  if (raw.isErr()) {
    if (!raw.error.startsWith("Unresolved alias"))
      return err([issueAt(site, [], `YAML: ${firstLine(raw.error)}`)]);
    // The parser's message names the alias: kept only where the text may be quoted.
    const message = excerpts
      ? `YAML: ${firstLine(raw.error)}`
      : "YAML: an alias (*name) refers to no anchor (&name) set before it";
    return err([syntaxIssue(text, site, unresolvedAliasOffset(doc), message, excerpts, position)]);
  }
  if (depthOf(raw.value) > MAX_NESTING) return err([nestingIssue(site)]);
  const locate = (segments: readonly PathSegment[], target: "key" | "value") => {
    const node = nodeAt(doc, segments, target);
    return position(node?.range ? node.range[0] : 0);
  };
  return ok({ raw: raw.value, locate });
}

const nestingIssue = (site: IssueSite) =>
  issueAt(site, [], `nests lists and mappings deeper than the limit of ${MAX_NESTING} levels`, {
    expected: ["a policy document (it nests 4 levels)"],
  });

// A syntax error, quoting the rest of the line it points at when the text may be quoted.
function syntaxIssue(
  text: string,
  site: IssueSite,
  offset: number | undefined,
  message: string,
  excerpts: boolean,
  position?: (offset: number) => SourcePosition,
): PolicyIssue {
  if (offset === undefined) return issueAt(site, [], message);
  const at = position ?? ((where: number) => positionIn(text, where));
  const lineEnd = text.indexOf("\n", offset);
  const line = text.slice(offset, lineEnd === -1 ? text.length : lineEnd).trim();
  return issueAt({ ...site, locate: () => at(offset) }, [], message, excerpts ? { value: line } : {});
}

function positionIn(text: string, offset: number): SourcePosition {
  let line = 1;
  let start = 0;
  for (
    let index = text.indexOf("\n");
    index !== -1 && index < offset;
    index = text.indexOf("\n", index + 1)
  ) {
    line++;
    start = index + 1;
  }
  return { line, column: offset - start + 1 };
}

function firstLine(message: string): string {
  return message
    .split("\n")[0]!
    .replace(/ at line \d+, column \d+:?$/, "")
    .replace(/ in JSON at position \d+.*$/, "")
    .replace(/, ".*" is not valid JSON$/, "")
    .replace(/, "(?:[^"\\]|\\.)*"(?:\.\.\.)? is not valid JSON$/, "");
}

// Keys written in a JSON text that `JSON.parse` accepted, and its nesting: more keys than the parsed value
// has means a duplicate. One pass.
function scanJson(text: string): { keys: number; depth: number } {
  let keys = 0;
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === 0x22) {
      let end = index + 1;
      while (end < text.length && text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      let next = end + 1;
      while (next < text.length && /\s/.test(text[next]!)) next++;
      if (text.charCodeAt(next) === 0x3a) keys++;
      index = end;
    } else if (char === 0x5b || char === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > MAX_NESTING) break;
    } else if (char === 0x5d || char === 0x7d) {
      depth--;
    }
  }
  return { keys, depth: deepest };
}

// Own keys of every object in a parsed value, iteratively (no recursion on input depth).
function countKeys(value: unknown): number {
  let keys = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null) continue;
    if (Array.isArray(next)) pending.push(...next);
    else {
      const own = Object.keys(next);
      keys += own.length;
      for (const key of own) pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return keys;
}

function depthOf(value: unknown): number {
  let deepest = 0;
  const pending: (readonly [unknown, number])[] = [[value, 0]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (typeof next !== "object" || next === null) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Object.values(next)) pending.push([child, depth + 1]);
  }
  return deepest;
}

const CORE_TAGS: ReadonlySet<string> = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`),
);

// Every explicit tag outside the YAML 1.2 core schema (`!!binary`, `!!set`, `!!js/function`, `!local`), as written.
function foreignTags(doc: Document.Parsed): { readonly tag: string; readonly offset: number }[] {
  const { visit } = yaml();
  const found: { tag: string; offset: number }[] = [];
  visit(doc, {
    Node(_, node) {
      if (node.tag === undefined || CORE_TAGS.has(node.tag)) return;
      found.push({ tag: node.tag.replace(/^tag:yaml\.org,2002:/, "!!"), offset: node.range?.[0] ?? 0 });
    },
  });
  return found;
}

// Where converting to plain values failed: the first alias without an anchor, else the document's start.
function unresolvedAliasOffset(doc: Document.Parsed): number {
  const { visit } = yaml();
  let offset = 0;
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined || !alias.range) return undefined;
      offset = alias.range[0];
      return visit.BREAK;
    },
  });
  return offset;
}

// The node at a path; the deepest existing ancestor when the path goes further than the document.
function nodeAt(
  doc: Document.Parsed,
  segments: readonly PathSegment[],
  target: "key" | "value",
): Node | undefined {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  let node: unknown = doc.contents;
  for (let index = 0; index < segments.length; index++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = segments[index]!;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return node;
      if (index === segments.length - 1 && target === "key") return pair.key as Node;
      node = isScalar(pair.value) && pair.value.range === undefined ? pair.key : (pair.value ?? pair.key);
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
      node = node.items[segment];
    } else {
      return node as Node | undefined;
    }
  }
  return node as Node | undefined;
}

/** `json` for `.json` files, `yaml` for everything else. */
export function formatOfPath(path: string): PolicyFormat {
  return extname(path).toLowerCase() === ".json" ? "json" : "yaml";
}

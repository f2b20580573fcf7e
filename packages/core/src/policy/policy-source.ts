import { err, fromThrowable, ok, type Result } from "neverthrow";
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";
import type { PolicyIssue } from "../errors.js";
import type { PolicyFormat } from "./policy-document.js";
import { type IssueSite, issueAt, type PathSegment, type SourcePosition } from "./policy-issue.js";

/** A document read from text: its plain value, and where its issues are reported. */
interface PolicySource {
  readonly raw: unknown;
  readonly site: IssueSite;
}

const toJs = (doc: Document.Parsed) =>
  fromThrowable(
    () => doc.toJS({ maxAliasCount: 100 }) as unknown,
    (error) => (error instanceof Error ? error.message : String(error)),
  )();

const parseJson = fromThrowable(
  (text: string) => JSON.parse(text) as unknown,
  (error) => (error instanceof Error ? error.message : String(error)),
);

/**
 * Parses YAML or JSON with the `yaml` package, so that every path of the document maps back to a line and
 * column. JSON is also checked by `JSON.parse`, which refuses what YAML tolerates (comments, trailing commas).
 */
export function readPolicyText(
  text: string,
  format: PolicyFormat,
  file?: string,
): Result<PolicySource, PolicyIssue[]> {
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
  const syntax: IssueSite = { ...(file === undefined ? {} : { file }) };
  // A syntax error is reported with the rest of the line it points at as its value.
  const syntaxIssue = (offset: number | undefined, message: string) => {
    if (offset === undefined) return issueAt(syntax, [], message);
    const lineEnd = text.indexOf("\n", offset);
    const value = text.slice(offset, lineEnd === -1 ? text.length : lineEnd).trim();
    return issueAt({ ...syntax, locate: () => position(offset) }, [], message, { value });
  };
  if (format === "json") {
    // Strict JSON first: YAML accepts comments and trailing commas, and its messages about them mislead.
    const strict = parseJson(text);
    if (strict.isErr()) {
      const offset = /position (\d+)/.exec(strict.error)?.[1];
      const where = offset === undefined ? doc.errors[0]?.pos[0] : Number(offset);
      return err([syntaxIssue(where, `JSON syntax: ${firstLine(strict.error)}`)]);
    }
  }
  if (doc.errors.length > 0) {
    const language = format === "json" ? "JSON" : "YAML";
    return err(
      doc.errors.map((error) =>
        syntaxIssue(
          error.pos[0],
          error.code === "MULTIPLE_DOCS"
            ? `${language} syntax: a policy file holds one document; remove the second one, from this ---`
            : `${language} syntax: ${firstLine(error.message)}`,
        ),
      ),
    );
  }
  const raw = toJs(doc);
  if (raw.isErr()) return err([syntaxIssue(unresolvedAliasOffset(doc), `YAML: ${raw.error}`)]);
  const locate = (segments: readonly PathSegment[], target: "key" | "value") => {
    const node = nodeAt(doc, segments, target);
    return position(node?.range ? node.range[0] : 0);
  };
  return ok({ raw: raw.value, site: { ...syntax, locate } });
}

// Where converting to plain values failed: the first alias without an anchor, else the document's start.
function unresolvedAliasOffset(doc: Document.Parsed): number {
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

function firstLine(message: string): string {
  return message
    .split("\n")[0]!
    .replace(/ at line \d+, column \d+:?$/, "")
    .replace(/ in JSON at position \d+.*$/, "")
    .replace(/, ".*" is not valid JSON$/, "");
}

// The node at a path; the deepest existing ancestor when the path goes further than the document.
function nodeAt(
  doc: Document.Parsed,
  segments: readonly PathSegment[],
  target: "key" | "value",
): Node | undefined {
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

import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { loadPolicy, type PolicyIssue } from "@negotiate/core";
import { describe, expect, it } from "vitest";

// Each policy file here must fail with exactly the issues of its sibling `<name>.expected.json`, where files are
// named relative to this directory. `bases/` holds files the corpus extends; they are not cases themselves.
const corpus = join(import.meta.dirname, "policies", "invalid");
const entries = readdirSync(corpus);
const cases = entries
  .filter((file) => /\.(ya?ml|json)$/.test(file) && !file.endsWith(".expected.json"))
  .sort();
const stem = (file: string) => file.replace(/\.(ya?ml|json)$/, "");

function relativeToCorpus(issue: PolicyIssue): PolicyIssue {
  return {
    ...issue,
    ...(issue.file === undefined ? {} : { file: relative(corpus, issue.file) }),
    message: issue.message.split(`${corpus}${sep}`).join(""),
  };
}

describe("invalid policy corpus", () => {
  it("has at least 40 cases, each with its expected issues and no expectation without a case", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const expectations = entries.filter((file) => file.endsWith(".expected.json")).sort();
    expect(expectations).toEqual(cases.map((file) => `${stem(file)}.expected.json`).sort());
  });

  it.each(cases)("%s gives exactly its expected issues", (file) => {
    const expected = JSON.parse(
      readFileSync(join(corpus, `${stem(file)}.expected.json`), "utf8"),
    ) as PolicyIssue[];
    expect(expected.length).toBeGreaterThan(0);
    const result = loadPolicy(join(corpus, file));
    expect(result.isErr()).toBe(true);
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe("invalid-policy");
    expect(error.issues.map(relativeToCorpus)).toEqual(expected);
    for (const issue of error.issues) expect(error.message).toContain(issue.message.split("\n")[0]!);
  });
});

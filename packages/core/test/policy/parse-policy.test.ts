import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { formatPolicyIssue } from "../../src/policy/policy-issue.js";
import { FeatureSet } from "../../src/userfaultfd/feature-set.js";

const yaml = (text: string) => parsePolicy(text, { format: "yaml", file: "policy.yaml" });
const json = (text: string) => parsePolicy(text, { format: "json", file: "policy.json" });

describe("parsePolicy", () => {
  it("reads every field of a YAML document", () => {
    const policy = yaml(
      [
        "version: 1",
        "name: all",
        "features:",
        "  required: [MISSING_SHMEM]",
        "  optional: [UFFD_FEATURE_THREAD_ID]",
        "  forbidden: [SIGBUS]",
        "  oneOf: [[WP_ASYNC, PAGEFAULT_FLAG_WP]]",
        "strategy: probe",
        "onReject: fail",
        "onMissingOptional: error",
        "open: device",
        "userModeOnly: forbid",
        "closeOnExec: false",
        "nonBlocking: false",
        "verify: false",
        'minKernel: "5.15"',
      ].join("\n"),
    )._unsafeUnwrap();
    expect(policy).toEqual({
      name: "all",
      required: FeatureSet.of("MISSING_SHMEM"),
      optional: FeatureSet.of("THREAD_ID"),
      forbidden: FeatureSet.of("SIGBUS"),
      oneOf: [["WP_ASYNC", "PAGEFAULT_FLAG_WP"]],
      strategy: "probe",
      onReject: "fail",
      onMissingOptional: "error",
      open: "device",
      userModeOnly: "forbid",
      closeOnExec: false,
      nonBlocking: false,
      verify: false,
      minKernel: "5.15",
    });
  });

  it("reads the same document as JSON", () => {
    const fromJson = json('{"version": 1, "features": {"required": ["MISSING_SHMEM"]}, "strategy": "probe"}');
    const fromYaml = yaml("version: 1\nfeatures:\n  required: [MISSING_SHMEM]\nstrategy: probe\n");
    expect(fromJson._unsafeUnwrap()).toEqual(fromYaml._unsafeUnwrap());
  });

  it("requires version: 1 or 2 in text, at the document's start", () => {
    expect(yaml("name: x\nstrategy: probe\n")._unsafeUnwrapErr().issues).toEqual([
      {
        path: "version",
        message: "is missing: policy files must declare it",
        file: "policy.yaml",
        line: 1,
        column: 1,
        expected: ["1", "2"],
      },
    ]);
    expect(yaml("version: 3\n")._unsafeUnwrapErr().issues).toEqual([
      {
        path: "version",
        message: "must be 1 or 2",
        file: "policy.yaml",
        line: 1,
        column: 10,
        value: 3,
        expected: ["1", "2"],
      },
    ]);
  });

  it("reports every problem of a file at once, in text order, with positions", () => {
    const text = [
      "version: 1", //                               1
      "features:", //                                2
      "  required: [MISSING_SHMEM, THREAD_IDD]", //  3
      "  forbidden: [MISSING_SHMEM]", //             4
      "  requierd: []", //                           5
      "strategy: fast", //                           6
      "closeOnExec: yes", //                         7
    ].join("\n");
    const issues = yaml(text)._unsafeUnwrapErr().issues;
    expect(issues.map((issue) => [issue.path, issue.line, issue.column])).toEqual([
      ["features.required[1]", 3, 29],
      ["features.forbidden[0]", 4, 15],
      ["features.requierd", 5, 3],
      ["strategy", 6, 11],
      ["closeOnExec", 7, 14],
    ]);
    expect(issues[4]).toMatchObject({ message: 'must be true or false, not the string "yes"', value: "yes" });
  });

  it("gives JSON positions from the same parser", () => {
    const text =
      '{\n  "version": 1,\n  "features": {"required": ["MISSING_SHMEM", "MOVEE"]},\n  "open": "usermode"\n}';
    expect(json(text)._unsafeUnwrapErr().issues).toEqual([
      {
        path: "features.required[1]",
        message: 'unknown feature "MOVEE"; did you mean MOVE?',
        file: "policy.json",
        line: 3,
        column: 46,
        value: "MOVEE",
        expected: ["MOVE"],
      },
      {
        path: "open",
        message: '"usermode" is not one of auto, syscall, device, user-mode-only',
        file: "policy.json",
        line: 4,
        column: 11,
        value: "usermode",
        expected: ["auto", "syscall", "device", "user-mode-only"],
      },
    ]);
  });

  it("holds JSON to strict JSON: a trailing comma is an error YAML would have let through", () => {
    const issues = json('{"version": 1,\n "name": "x",\n}')._unsafeUnwrapErr().issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: "", file: "policy.json", line: 3, column: 1 });
    expect(issues[0]!.message).toMatch(/^JSON syntax: /);
  });

  it("reports YAML syntax errors with their position", () => {
    const issues = yaml("version: 1\nfeatures:\n  required: [MISSING_SHMEM")._unsafeUnwrapErr().issues;
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ path: "", file: "policy.yaml", line: 3 });
    expect(issues[0]!.message).toMatch(/^YAML syntax: /);
  });

  it("refuses duplicate keys and several documents in one file", () => {
    expect(yaml("version: 1\nstrategy: probe\nstrategy: auto\n")._unsafeUnwrapErr().issues[0]).toMatchObject({
      line: 3,
      column: 1,
      message: "YAML syntax: Map keys must be unique",
      value: "strategy: auto",
    });
    expect(yaml("version: 1\n---\nversion: 1\n")._unsafeUnwrapErr().issues).toEqual([
      {
        path: "",
        message: "YAML syntax: a policy file holds one document; remove the second one, from this ---",
        file: "policy.yaml",
        line: 2,
        column: 1,
        value: "---",
      },
    ]);
  });

  it("refuses a document that is not a mapping", () => {
    expect(yaml("- version\n")._unsafeUnwrapErr().issues).toEqual([
      {
        path: "",
        message: "must be a mapping of fields",
        file: "policy.yaml",
        line: 1,
        column: 1,
        value: ["version"],
        expected: expect.arrayContaining(["version", "features", "strategy"]),
      },
    ]);
    expect(yaml("")._unsafeUnwrapErr().issues[0]).toMatchObject({ path: "", value: null });
  });

  it("formats an issue the way the CLI prints it", () => {
    const issue = yaml("version: 1\nstrategy: fast\n")._unsafeUnwrapErr().issues[0]!;
    expect(formatPolicyIssue(issue)).toBe(
      'policy.yaml:2:11 strategy: "fast" is not one of auto, probe, one-shot',
    );
  });

  it("summarises every issue in the error message", () => {
    const error = yaml("version: 1\nstrategy: fast\nverify: 3\n")._unsafeUnwrapErr();
    expect(error.message).toBe(
      [
        "2 problems in policy.yaml:",
        '  policy.yaml:2:11 strategy: "fast" is not one of auto, probe, one-shot',
        "  policy.yaml:3:9 verify: must be true or false",
      ].join("\n"),
    );
  });
});

import { describe, expect, it } from "vitest";
import { definePolicy } from "../../src/policy/define-policy.js";
import { lintPolicy } from "../../src/policy/lint-policy.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { POLICY_DEFAULTS, type Policy } from "../../src/policy/policy.js";
import { FeatureSet } from "../../src/userfaultfd/feature-set.js";

const yaml = (text: string) => parsePolicy(text, { format: "yaml", file: "lint.yaml" })._unsafeUnwrap();

describe("lintPolicy", () => {
  it("warns about a required feature newer than minKernel, where it was declared", () => {
    const policy = yaml('version: 1\nfeatures:\n  required: [MISSING_SHMEM, MOVE]\nminKernel: "6.1"\n');
    expect(lintPolicy(policy)).toEqual([
      {
        path: "features.required[1]",
        message:
          "MOVE is required but was added in Linux 6.8, after minKernel 6.1: on older kernels the negotiation fails with missing-required",
        file: "lint.yaml",
        line: 3,
        column: 29,
        value: "MOVE",
        expected: ['minKernel "6.8" or later', "MOVE in features.optional"],
      },
    ]);
  });

  it("compares with the patch level and says nothing at or after the feature's release", () => {
    expect(
      lintPolicy(yaml('version: 1\nfeatures:\n  required: [MOVE]\nminKernel: "6.8.0-45-generic"\n')),
    ).toEqual([]);
    expect(lintPolicy(yaml("version: 1\nfeatures:\n  required: [MOVE]\n"))).toEqual([]);
  });

  it("warns about a oneOf group none of whose alternatives exists at minKernel", () => {
    const policy = yaml(
      'version: 1\nfeatures:\n  oneOf:\n    - [MOVE, WP_ASYNC]\n    - [MOVE, THREAD_ID]\nminKernel: "5.15"\n',
    );
    expect(lintPolicy(policy)).toEqual([
      {
        path: "features.oneOf[0]",
        message:
          "no alternative of this oneOf group exists before Linux 6.7, after minKernel 5.15: on older kernels the group is not met",
        file: "lint.yaml",
        line: 4,
        column: 7,
        value: ["MOVE", "WP_ASYNC"],
        expected: ['minKernel "6.7" or later', "an alternative available at minKernel"],
      },
    ]);
  });

  it("warns about a requested feature whose implied feature is forbidden, wherever it is requested", () => {
    const policy = yaml(
      "version: 1\nfeatures:\n  optional: [WP_ASYNC]\n  forbidden: [WP_UNPOPULATED]\n  oneOf: [[WP_ASYNC, PAGEFAULT_FLAG_WP]]\n",
    );
    const issues = lintPolicy(policy);
    expect(issues.map((issue) => [issue.path, issue.line, issue.column])).toEqual([
      ["features.optional[0]", 3, 14],
      ["features.oneOf[0][0]", 5, 12],
    ]);
    expect(issues[0]).toMatchObject({
      message:
        "WP_ASYNC implies WP_UNPOPULATED, which is forbidden: the kernel enables WP_UNPOPULATED along with WP_ASYNC",
      value: "WP_ASYNC",
      expected: ["WP_ASYNC not requested", "WP_UNPOPULATED not forbidden"],
    });
  });

  it("warns about EVENT_FORK required with userModeOnly: require, and only then", () => {
    const forced = definePolicy({
      features: { required: ["EVENT_FORK"] },
      userModeOnly: "require",
    })._unsafeUnwrap();
    expect(lintPolicy(forced)).toEqual([
      {
        path: "features.required[0]",
        message:
          "EVENT_FORK is required with userModeOnly: require: EVENT_FORK needs CAP_SYS_PTRACE, which callers limited to user-mode-only rarely hold, so the negotiation would fail with permission-denied",
        value: "EVENT_FORK",
        expected: ["EVENT_FORK in features.optional", "userModeOnly: allow"],
      },
    ]);
    expect(
      lintPolicy(
        definePolicy({ features: { optional: ["EVENT_FORK"] }, userModeOnly: "require" })._unsafeUnwrap(),
      ),
    ).toEqual([]);
    expect(lintPolicy(definePolicy({ features: { required: ["EVENT_FORK"] } })._unsafeUnwrap())).toEqual([]);
  });

  it("points at the extended preset that declared a feature", () => {
    const policy = yaml('version: 1\nextends: preset:write-protect-snapshots\nminKernel: "5.4"\n');
    expect(lintPolicy(policy)).toEqual([
      expect.objectContaining({
        path: "features.required[0]",
        file: "preset:write-protect-snapshots",
        value: "PAGEFAULT_FLAG_WP",
      }),
    ]);
  });

  it("lints a policy built by hand, with paths from its sets", () => {
    const policy: Policy<"MOVE", never> = {
      ...POLICY_DEFAULTS,
      required: FeatureSet.of("MISSING_SHMEM", "MOVE"),
      optional: FeatureSet.EMPTY,
      forbidden: FeatureSet.EMPTY,
      oneOf: [],
      minKernel: "6.1",
    };
    expect(lintPolicy(policy).map((issue) => issue.path)).toEqual(["features.required[1]"]);
  });
});

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { definePolicy } from "../../src/policy/define-policy.js";
import { loadPolicy } from "../../src/policy/load-policy.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { POLICY_PRESETS } from "../../src/policy/presets.js";
import { FeatureSet } from "../../src/userfaultfd/feature-set.js";
import { policyFolder } from "../support/policy-folder.js";

const { root, write } = policyFolder("negotiate-extends-");

describe("extends", () => {
  it("applies a preset before the document, the document's statuses and fields winning", () => {
    const policy = definePolicy({
      extends: "preset:lazy-restore",
      features: { required: ["EVENT_FORK"], forbidden: ["EVENT_REMOVE"] },
      strategy: "one-shot",
    })._unsafeUnwrap();
    expect(policy.required).toEqual(FeatureSet.of("EVENT_FORK"));
    expect(policy.optional).toEqual(FeatureSet.of("EVENT_REMAP", "EVENT_UNMAP"));
    expect(policy.forbidden).toEqual(FeatureSet.of("EVENT_REMOVE"));
    expect(policy.strategy).toBe("one-shot");
    expect(policy.onMissingOptional).toBe("warn");
    expect(policy.userModeOnly).toBe("forbid");
    expect(policy.name).toBeUndefined();
  });

  it("resolves relative files from the extending file's directory, depth first, in order", () => {
    write("layers/base.yaml", [
      "version: 1",
      "name: base",
      "features:",
      "  required: [MISSING_SHMEM]",
      "strategy: probe",
    ]);
    write("layers/nested/middle.json", [
      '{"version": 1, "extends": "../base.yaml", "features": {"optional": ["THREAD_ID"]}, "strategy": "one-shot", "verify": false}',
    ]);
    const top = write("layers/top.yaml", [
      "version: 1",
      "name: top",
      "extends: [./nested/middle.json, preset:write-protect-snapshots]",
      "features:",
      "  optional: [MISSING_SHMEM]",
    ]);
    const policy = loadPolicy(top)._unsafeUnwrap();
    expect(policy.name).toBe("top");
    expect(policy.required).toEqual(FeatureSet.of("PAGEFAULT_FLAG_WP"));
    expect(policy.optional).toEqual(
      FeatureSet.of("MISSING_SHMEM", "THREAD_ID", "WP_UNPOPULATED", "WP_HUGETLBFS_SHMEM"),
    );
    expect(policy.forbidden).toEqual(FeatureSet.of("WP_ASYNC"));
    expect(policy.strategy).toBe("one-shot");
    expect(policy.verify).toBe(false);
    expect(policy.userModeOnly).toBe("forbid");
  });

  it("lets a later policy forbid what an earlier one listed, and a later one list it again", () => {
    write("forbid/base.yaml", [
      "version: 1",
      "features:",
      "  required: [EVENT_FORK]",
      "  oneOf: [[MOVE, POISON]]",
    ]);
    write("forbid/forbidder.yaml", [
      "version: 1",
      "extends: ./base.yaml",
      "features:",
      "  forbidden: [EVENT_FORK, MOVE]",
    ]);
    const forbidden = loadPolicy(join(root, "forbid/forbidder.yaml"))._unsafeUnwrap();
    expect(forbidden.required.isEmpty).toBe(true);
    expect(forbidden.forbidden).toEqual(FeatureSet.of("EVENT_FORK", "MOVE"));
    expect(forbidden.oneOf).toEqual([["POISON"]]);
    const relisted = write("forbid/relister.yaml", [
      "version: 1",
      "extends: ./forbidder.yaml",
      "features:",
      "  optional: [EVENT_FORK]",
    ]);
    const again = loadPolicy(relisted)._unsafeUnwrap();
    expect(again.optional).toEqual(FeatureSet.of("EVENT_FORK"));
    expect(again.forbidden).toEqual(FeatureSet.of("MOVE"));
  });

  it("lets a later oneOf group offer a feature an earlier policy forbade, and keeps one copy of a repeated group", () => {
    write("regroup/base.yaml", [
      "version: 1",
      "features:",
      "  forbidden: [WP_ASYNC]",
      "  oneOf: [[MOVE, POISON]]",
    ]);
    const child = write("regroup/child.yaml", [
      "version: 1",
      "extends: ./base.yaml",
      "features:",
      "  oneOf: [[WP_ASYNC, PAGEFAULT_FLAG_WP], [MOVE, POISON]]",
    ]);
    const policy = loadPolicy(child)._unsafeUnwrap();
    expect(policy.forbidden.isEmpty).toBe(true);
    expect(policy.oneOf).toEqual([
      ["MOVE", "POISON"],
      ["WP_ASYNC", "PAGEFAULT_FLAG_WP"],
    ]);
  });

  it("reports a group that forbidding leaves without alternatives, where it was forbidden", () => {
    write("empty-group/base.yaml", ["version: 1", "features:", "  oneOf:", "    - [MOVE]"]);
    const child = write("empty-group/child.yaml", [
      "version: 1",
      "extends: ./base.yaml",
      "features:",
      "  forbidden: [MOVE]",
    ]);
    expect(loadPolicy(child)._unsafeUnwrapErr().issues).toEqual([
      {
        path: "features.forbidden[0]",
        message: `forbidding MOVE leaves the oneOf group [MOVE] of ${join(root, "empty-group/base.yaml")} features.oneOf[0] with no alternative: it can never be met`,
        file: child,
        line: 4,
        column: 15,
        value: "MOVE",
        expected: ["a feature that is not the only alternative of a oneOf group"],
      },
    ]);
  });

  it("reports a cycle with its chain, at the extends entry that closes it", () => {
    write("cycle/a.yaml", ["version: 1", "extends: ./b.yaml"]);
    write("cycle/b.yaml", ["version: 1", "extends:", "  - preset:minimal", "  - ./a.yaml"]);
    const a = join(root, "cycle/a.yaml");
    const b = join(root, "cycle/b.yaml");
    expect(loadPolicy(a)._unsafeUnwrapErr().issues).toEqual([
      {
        path: "extends[1]",
        message: `extends cycle: ${a} → ${b} → ${a}`,
        file: b,
        line: 4,
        column: 5,
        value: "./a.yaml",
        expected: ["a policy that does not extend, directly or not, the policy extending it"],
      },
    ]);
  });

  it("reports a policy extending itself", () => {
    const self = write("self.yaml", ["version: 1", "extends: ./self.yaml"]);
    expect(loadPolicy(self)._unsafeUnwrapErr().issues[0]!.message).toBe(`extends cycle: ${self} → ${self}`);
  });

  it("allows the same base twice through different branches (a diamond is not a cycle)", () => {
    write("diamond/d.yaml", ["version: 1", "features:", "  optional: [THREAD_ID]"]);
    write("diamond/b.yaml", ["version: 1", "extends: ./d.yaml", "features:", "  required: [MISSING_SHMEM]"]);
    write("diamond/c.yaml", ["version: 1", "extends: ./d.yaml", "features:", "  required: [MOVE]"]);
    const top = write("diamond/a.yaml", ["version: 1", "extends: [./b.yaml, ./c.yaml]"]);
    const policy = loadPolicy(top)._unsafeUnwrap();
    expect(policy.required).toEqual(FeatureSet.of("MISSING_SHMEM", "MOVE"));
    expect(policy.optional).toEqual(FeatureSet.of("THREAD_ID"));
  });

  it("reports every problem of every extended file, each in its own file", () => {
    write("broken/base.yaml", ["version: 1", "strategy: fast"]);
    const top = write("broken/top.yaml", [
      "version: 1",
      "extends: [./base.yaml, ./missing.yaml]",
      "verify: 1",
    ]);
    const issues = loadPolicy(top)._unsafeUnwrapErr().issues;
    expect(issues.map((issue) => [issue.file, issue.path, issue.message])).toEqual([
      [top, "extends[1]", `cannot read ${join(root, "broken/missing.yaml")}: no such file`],
      [top, "verify", "must be true or false"],
      [join(root, "broken/base.yaml"), "strategy", '"fast" is not one of auto, probe, one-shot'],
    ]);
  });

  it("reports an unknown preset with the nearest names", () => {
    const issues = parsePolicy("version: 1\nextends: preset:lazy-restor\n", {
      format: "yaml",
    })._unsafeUnwrapErr().issues;
    expect(issues).toEqual([
      {
        path: "extends",
        message: 'unknown preset "preset:lazy-restor"',
        line: 2,
        column: 10,
        value: "preset:lazy-restor",
        expected: ["preset:lazy-restore"],
      },
    ]);
  });

  it("resolves relative paths of text without a file from the current directory", () => {
    const relative = join("packages", "core", "test", "policy", "fixture-base.yaml");
    const issues = parsePolicy(`version: 1\nextends: ./${relative}\n`, { format: "yaml" })._unsafeUnwrapErr()
      .issues;
    expect(issues[0]!.message).toBe(`cannot read ${join(process.cwd(), relative)}: no such file`);
  });

  it("does not inherit a preset's name", () => {
    for (const name of Object.keys(POLICY_PRESETS)) {
      const policy = parsePolicy(`version: 1\nextends: preset:${name}\n`, { format: "yaml" })._unsafeUnwrap();
      expect(policy.name).toBeUndefined();
    }
  });
});

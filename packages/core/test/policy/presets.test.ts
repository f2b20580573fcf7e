import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { definePolicy } from "../../src/policy/define-policy.js";
import { lintPolicy } from "../../src/policy/lint-policy.js";
import { loadPolicy } from "../../src/policy/load-policy.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { PRESET_NAMES } from "../../src/policy/policy-document.js";
import { POLICY_PRESETS } from "../../src/policy/presets.js";
import { FeatureSet } from "../../src/userfaultfd/feature-set.js";

const examples = join(import.meta.dirname, "../../../../examples/policies");

describe("presets", () => {
  it.each(PRESET_NAMES)("%s validates, has no lints, and equals its example file", (name) => {
    const preset = definePolicy(POLICY_PRESETS[name].document)._unsafeUnwrap();
    expect(preset.name).toBe(name);
    expect(lintPolicy(preset)).toEqual([]);
    expect(loadPolicy(join(examples, `${name}.yaml`))._unsafeUnwrap()).toEqual(preset);
    const extended = parsePolicy(`version: 1\nname: ${name}\nextends: preset:${name}\n`, { format: "yaml" });
    expect(extended._unsafeUnwrap()).toEqual(preset);
  });

  it("has an example file for every preset, plus the commented example", () => {
    const files = readdirSync(examples).filter((file) => file.endsWith(".yaml"));
    expect(files.sort()).toEqual([...PRESET_NAMES.map((name) => `${name}.yaml`), "example.yaml"].sort());
  });

  it("documents what each preset is for", () => {
    for (const name of PRESET_NAMES) expect(POLICY_PRESETS[name].description.length).toBeGreaterThan(80);
  });

  it("asks what the workloads ask", () => {
    const policyOf = (name: (typeof PRESET_NAMES)[number]) =>
      definePolicy(POLICY_PRESETS[name].document)._unsafeUnwrap();
    expect(policyOf("live-migration-postcopy")).toMatchObject({
      required: FeatureSet.EMPTY,
      optional: FeatureSet.of("THREAD_ID", "MISSING_HUGETLBFS", "MISSING_SHMEM"),
      strategy: "probe",
      userModeOnly: "forbid",
    });
    expect(policyOf("lazy-restore")).toMatchObject({
      optional: FeatureSet.of("EVENT_FORK", "EVENT_REMAP", "EVENT_UNMAP", "EVENT_REMOVE"),
      strategy: "probe",
      onMissingOptional: "warn",
      userModeOnly: "forbid",
    });
    expect(policyOf("write-protect-snapshots")).toMatchObject({
      required: FeatureSet.of("PAGEFAULT_FLAG_WP"),
      optional: FeatureSet.of("WP_UNPOPULATED", "WP_HUGETLBFS_SHMEM"),
      forbidden: FeatureSet.of("WP_ASYNC"),
    });
    expect(policyOf("minimal")).toMatchObject({
      required: FeatureSet.EMPTY,
      optional: FeatureSet.EMPTY,
      forbidden: FeatureSet.EMPTY,
      oneOf: [],
    });
  });
});

describe("examples/policies/example.yaml", () => {
  it("sets every field of the format, and has no lints", () => {
    const policy = loadPolicy(join(examples, "example.yaml"))._unsafeUnwrap();
    expect(policy).toEqual({
      name: "example",
      required: FeatureSet.of("MISSING_SHMEM"),
      optional: FeatureSet.of("THREAD_ID", "EXACT_ADDRESS", "EVENT_FORK"),
      forbidden: FeatureSet.of("SIGBUS"),
      oneOf: [["WP_ASYNC", "PAGEFAULT_FLAG_WP"]],
      strategy: "auto",
      onReject: "probe",
      onMissingOptional: "warn",
      open: "auto",
      userModeOnly: "allow",
      closeOnExec: true,
      nonBlocking: true,
      verify: true,
      minKernel: "5.15",
    });
    expect(lintPolicy(policy)).toEqual([]);
  });
});

import type { Result } from "neverthrow";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { MultiPolicyOf, MultiSession } from "../../src/negotiation/negotiate-multi.js";
import { definePolicy } from "../../src/policy/define-policy.js";
import { loadMultiPolicy } from "../../src/policy/load-multi-policy.js";
import { loadPolicy } from "../../src/policy/load-policy.js";
import type { MultiPolicy } from "../../src/policy/multi-policy.js";
import { parseMultiPolicy } from "../../src/policy/parse-multi-policy.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { POLICY_DEFAULTS, type Policy } from "../../src/policy/policy.js";
import type { PolicyInput } from "../../src/policy/policy-document.js";
import type { PolicyError } from "../../src/policy/policy-issue.js";
import type { FeatureName } from "../../src/userfaultfd/catalogue.js";
import { FeatureSet } from "../../src/userfaultfd/feature-set.js";
import type { Session } from "../../src/userfaultfd/session.js";

describe("definePolicy", () => {
  it("builds the documented defaults around the listed features", () => {
    const policy = definePolicy({ features: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID"] } });
    expect(policy._unsafeUnwrap()).toEqual({
      ...POLICY_DEFAULTS,
      required: FeatureSet.of("MISSING_SHMEM"),
      optional: FeatureSet.of("THREAD_ID"),
      forbidden: FeatureSet.EMPTY,
      oneOf: [],
    });
  });

  it("accepts UFFD_FEATURE_-prefixed names and stores the bare ones", () => {
    const policy = definePolicy({
      features: {
        required: ["UFFD_FEATURE_MISSING_SHMEM"],
        oneOf: [["UFFD_FEATURE_WP_ASYNC", "PAGEFAULT_FLAG_WP"]],
      },
    })._unsafeUnwrap();
    expect(policy.required.names()).toEqual(["MISSING_SHMEM"]);
    expect(policy.oneOf).toEqual([["WP_ASYNC", "PAGEFAULT_FLAG_WP"]]);
  });

  it("validates like a file: a value cast past the compiler is reported with its path and what is allowed", () => {
    const document = {
      features: { required: ["THREAD_IDD"] },
      strategy: "fast",
      extra: 1,
    } as unknown as PolicyInput;
    const error = definePolicy(document)._unsafeUnwrapErr();
    expect(error.kind).toBe("invalid-policy");
    expect(error.issues).toEqual([
      { path: "extra", message: 'unknown field "extra"', value: "extra", expected: expect.any(Array) },
      {
        path: "features.required[0]",
        message: 'unknown feature "THREAD_IDD"; did you mean THREAD_ID?',
        value: "THREAD_IDD",
        expected: ["THREAD_ID"],
      },
      {
        path: "strategy",
        message: '"fast" is not one of auto, probe, one-shot',
        value: "fast",
        expected: ["auto", "probe", "one-shot"],
      },
    ]);
  });

  it("gives the same policy as the equivalent file", () => {
    const inCode = definePolicy({
      name: "same",
      extends: "preset:lazy-restore",
      features: { required: ["MISSING_SHMEM"], forbidden: ["EVENT_FORK"] },
      strategy: "one-shot",
    });
    const inFile = parsePolicy(
      "version: 1\nname: same\nextends: preset:lazy-restore\nfeatures:\n  required: [MISSING_SHMEM]\n  forbidden: [EVENT_FORK]\nstrategy: one-shot\n",
      { format: "yaml" },
    );
    expect(inCode._unsafeUnwrap()).toEqual(inFile._unsafeUnwrap());
  });

  it("refuses to extend a file from code, naming the presets instead", () => {
    const document = { extends: ["preset:minimal", "./base.yaml"] } as unknown as PolicyInput;
    expect(definePolicy(document)._unsafeUnwrapErr().issues).toEqual([
      {
        path: "extends[1]",
        message: 'a policy defined in code can extend presets only, not the file "./base.yaml"',
        value: "./base.yaml",
        expected: [
          "preset:minimal",
          "preset:live-migration-postcopy",
          "preset:lazy-restore",
          "preset:write-protect-snapshots",
        ],
      },
    ]);
  });
});

describe("definePolicy types", () => {
  it("types the policy from the document, without `as const`", () => {
    const policy = definePolicy({ features: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID"] } });
    expectTypeOf(policy).toEqualTypeOf<Result<Policy<"MISSING_SHMEM", "THREAD_ID">, PolicyError>>();
  });

  it("types the policy from an `as const` document", () => {
    const policy = definePolicy({
      features: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID"] },
    } as const);
    expectTypeOf(policy).toEqualTypeOf<Result<Policy<"MISSING_SHMEM", "THREAD_ID">, PolicyError>>();
  });

  it("strips the UFFD_FEATURE_ prefix at the type level", () => {
    const policy = definePolicy({
      features: { required: ["UFFD_FEATURE_MISSING_SHMEM"], optional: ["UFFD_FEATURE_THREAD_ID", "MOVE"] },
    });
    expectTypeOf(policy).toEqualTypeOf<Result<Policy<"MISSING_SHMEM", "THREAD_ID" | "MOVE">, PolicyError>>();
  });

  it("counts oneOf alternatives as optional names, minus forbidden ones", () => {
    const policy = definePolicy({
      features: {
        required: ["MISSING_SHMEM"],
        oneOf: [["WP_ASYNC", "PAGEFAULT_FLAG_WP"]],
        forbidden: ["SIGBUS"],
      },
    });
    expectTypeOf(policy).toEqualTypeOf<
      Result<Policy<"MISSING_SHMEM", "WP_ASYNC" | "PAGEFAULT_FLAG_WP">, PolicyError>
    >();
  });

  it("adds the names of extended presets, the document's own statuses winning", () => {
    const policy = definePolicy({
      extends: ["preset:lazy-restore", "preset:write-protect-snapshots"],
      features: { required: ["EVENT_FORK"], forbidden: ["EVENT_REMOVE"] },
    });
    expectTypeOf(policy).toEqualTypeOf<
      Result<
        Policy<
          "EVENT_FORK" | "PAGEFAULT_FLAG_WP",
          "EVENT_REMAP" | "EVENT_UNMAP" | "WP_UNPOPULATED" | "WP_HUGETLBFS_SHMEM"
        >,
        PolicyError
      >
    >();
  });

  it("types a session negotiated with it: required true, optional boolean, others absent", () => {
    type Negotiated = Session<"MISSING_SHMEM", "THREAD_ID">;
    expectTypeOf<Negotiated["enabled"]["MISSING_SHMEM"]>().toEqualTypeOf<true>();
    expectTypeOf<Negotiated["enabled"]["THREAD_ID"]>().toEqualTypeOf<boolean>();
    expectTypeOf<Negotiated["enabled"]>().not.toHaveProperty("EVENT_FORK");
  });

  it("makes a widened list promise nothing: its names become optional", () => {
    const names: readonly ("MISSING_SHMEM" | "THREAD_ID")[] = ["MISSING_SHMEM"];
    const policy = definePolicy({ features: { required: names } });
    expectTypeOf(policy).toEqualTypeOf<Result<Policy<never, "MISSING_SHMEM" | "THREAD_ID">, PolicyError>>();
  });

  it("types a policy from a file or text as Policy<never, FeatureName>", () => {
    expectTypeOf(loadPolicy).returns.toEqualTypeOf<Result<Policy<never, FeatureName>, PolicyError>>();
    expectTypeOf(parsePolicy).returns.toEqualTypeOf<Result<Policy<never, FeatureName>, PolicyError>>();
  });

  it("refuses unknown feature names and file extends at compile time", () => {
    // @ts-expect-error THREAD_IDD is not a feature
    definePolicy({ features: { required: ["THREAD_IDD"] } });
    // @ts-expect-error code can extend presets only
    definePolicy({ extends: "./base.yaml" });
    // @ts-expect-error not a strategy
    definePolicy({ strategy: "fast" });
  });
});

// The sub-sessions `negotiate` gives for a version 2 policy: one typed session per section it declares.
type SessionsOf<P> = P extends Result<infer V extends MultiPolicyOf, PolicyError> ? MultiSession<V> : never;

// The names a version 2 policy's type carries, per section: [UR, UO, LR, LO].
type NamesOf<P> =
  P extends Result<MultiPolicy<infer UR, infer UO, infer LR, infer LO>, PolicyError>
    ? [UR, UO, LR, LO]
    : never;

describe("definePolicy({ version: 2 }) types", () => {
  it("types each section from the document, prefixes stripped, without `as const`", () => {
    const policy = definePolicy({
      version: 2,
      userfaultfd: { required: ["MISSING_SHMEM"], optional: ["UFFD_FEATURE_THREAD_ID"] },
      landlock: {
        required: ["READ_FILE", "LANDLOCK_ACCESS_FS_READ_DIR"],
        optional: ["TRUNCATE", "LANDLOCK_SCOPE_SIGNAL", "TSYNC"],
        rules: [{ path: "/usr", allow: ["READ_FILE"] }],
      },
    });
    expectTypeOf<NamesOf<typeof policy>>().toEqualTypeOf<
      ["MISSING_SHMEM", "THREAD_ID", "READ_FILE" | "READ_DIR", "TRUNCATE" | "SIGNAL" | "TSYNC"]
    >();
  });

  it("types the sub-sessions: required names true, optional ones boolean, others absent", () => {
    const policy = definePolicy({
      version: 2,
      userfaultfd: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID"] },
      landlock: { required: ["READ_FILE"], optional: ["BIND_TCP"], forbidden: ["SIGNAL"] },
    });
    type Sessions = SessionsOf<typeof policy>;
    expectTypeOf<Sessions["userfaultfd"]["enabled"]["MISSING_SHMEM"]>().toEqualTypeOf<true>();
    expectTypeOf<Sessions["userfaultfd"]["enabled"]["THREAD_ID"]>().toEqualTypeOf<boolean>();
    expectTypeOf<Sessions["landlock"]["enabled"]["READ_FILE"]>().toEqualTypeOf<true>();
    expectTypeOf<Sessions["landlock"]["enabled"]["BIND_TCP"]>().toEqualTypeOf<boolean>();
    expectTypeOf<Sessions["landlock"]["enabled"]>().not.toHaveProperty("SIGNAL");
    expectTypeOf<Sessions["landlock"]["enabled"]>().not.toHaveProperty("TRUNCATE");
    expectTypeOf<Sessions["userfaultfd"]["enabled"]>().not.toHaveProperty("EVENT_FORK");
  });

  it("adds extended presets' names to the userfaultfd section; an absent section has no names", () => {
    const policy = definePolicy({
      version: 2,
      extends: "preset:write-protect-snapshots",
      landlock: { optional: ["EXECUTE"] },
    });
    expectTypeOf<NamesOf<typeof policy>>().toEqualTypeOf<
      ["PAGEFAULT_FLAG_WP", "WP_UNPOPULATED" | "WP_HUGETLBFS_SHMEM", never, "EXECUTE"]
    >();
    const landlockOnly = definePolicy({ version: 2, landlock: { required: ["SIGNAL"] } });
    expectTypeOf<NamesOf<typeof landlockOnly>>().toEqualTypeOf<[never, never, "SIGNAL", never]>();
  });

  it("makes a widened Landlock list promise nothing: its names become optional", () => {
    const names: readonly ("READ_FILE" | "EXECUTE")[] = ["READ_FILE"];
    const policy = definePolicy({ version: 2, landlock: { required: names } });
    expectTypeOf<NamesOf<typeof policy>>().toEqualTypeOf<[never, never, never, "READ_FILE" | "EXECUTE"]>();
  });

  it("types a policy read at run time with every name possible", () => {
    expectTypeOf(parseMultiPolicy).returns.toEqualTypeOf<Result<MultiPolicy, PolicyError>>();
    expectTypeOf(loadMultiPolicy).returns.toEqualTypeOf<Result<MultiPolicy, PolicyError>>();
  });

  it("refuses unknown names, rights of the wrong group and a missing version at compile time", () => {
    // @ts-expect-error READ_FIEL is not a Landlock right
    definePolicy({ version: 2, landlock: { required: ["READ_FIEL"] } });
    // @ts-expect-error QUIET is a rule flag, not a right a section lists
    definePolicy({ version: 2, landlock: { optional: ["QUIET"] } });
    // @ts-expect-error a path rule allows fs rights only
    definePolicy({ version: 2, landlock: { rules: [{ path: "/", allow: ["BIND_TCP"] }] } });
    // @ts-expect-error the prefix of another group
    definePolicy({ version: 2, landlock: { required: ["LANDLOCK_ACCESS_NET_READ_FILE"] } });
    // @ts-expect-error THREAD_IDD is not a feature
    definePolicy({ version: 2, userfaultfd: { required: ["THREAD_IDD"] } });
    // @ts-expect-error sections are version 2 only
    definePolicy({ landlock: { required: ["READ_FILE"] } });
  });
});

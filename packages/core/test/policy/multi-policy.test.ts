import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { LANDLOCK_POLICY_DEFAULTS } from "../../src/landlock/landlock-policy.js";
import { definePolicy } from "../../src/policy/define-policy.js";
import { loadMultiPolicy } from "../../src/policy/load-multi-policy.js";
import { loadPolicy } from "../../src/policy/load-policy.js";
import type { MultiPolicyInput } from "../../src/policy/multi-policy-document.js";
import { parseMultiPolicy } from "../../src/policy/parse-multi-policy.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { POLICY_DEFAULTS } from "../../src/policy/policy.js";
import { landlockOriginsOf, originsOf } from "../../src/policy/policy-origins.js";
import { policyToDocument, stringifyPolicy } from "../../src/policy/write-policy.js";
import { FeatureSet } from "../../src/userfaultfd/feature-set.js";
import { policyFolder } from "../support/policy-folder.js";

const { root, write } = policyFolder("negotiate-multi-");

const yaml = (lines: readonly string[]) =>
  parseMultiPolicy(`${lines.join("\n")}\n`, { format: "yaml", file: "policy.yaml" });
const issuesOf = (lines: readonly string[]) => yaml(lines)._unsafeUnwrapErr().issues;

const AGENT = [
  "version: 2", //                                                                           1
  "name: agent", //                                                                          2
  "strategy: probe", //                                                                      3
  "verify: false", //                                                                        4
  "userfaultfd: { required: [MISSING_SHMEM], optional: [UFFD_FEATURE_THREAD_ID], open: auto }", // 5
  "landlock:", //                                                                            6
  "  required: [READ_FILE, LANDLOCK_ACCESS_FS_READ_DIR]", //                                 7
  "  optional: [TRUNCATE, BIND_TCP, SIGNAL, TSYNC]", //                                      8
  "  forbidden: []", //                                                                      9
  "  rules:", //                                                                             10
  "    - { path: /usr, allow: [READ_FILE, READ_DIR, EXECUTE] }", //                          11
  "    - { port: 8080, allow: [LANDLOCK_ACCESS_NET_BIND_TCP] }", //                          12
  "  unavailable: run-unconfined", //                                                        13
  "  threads: warn", //                                                                      14
  "  onReject: fail", //                                                                     15
];

describe("parseMultiPolicy: version 2", () => {
  it("reads both sections, names bare, the top-level knobs filling what a section does not set", () => {
    const policy = yaml(AGENT)._unsafeUnwrap();
    expect(policy).toEqual({
      version: 2,
      name: "agent",
      userfaultfd: {
        ...POLICY_DEFAULTS,
        name: "agent",
        required: FeatureSet.of("MISSING_SHMEM"),
        optional: FeatureSet.of("THREAD_ID"),
        forbidden: FeatureSet.EMPTY,
        oneOf: [],
        strategy: "probe",
        verify: false,
      },
      landlock: {
        required: ["READ_FILE", "READ_DIR"],
        optional: ["TRUNCATE", "BIND_TCP", "SIGNAL", "TSYNC"],
        forbidden: [],
        rules: [
          { path: "/usr", allow: ["EXECUTE", "READ_FILE", "READ_DIR"] },
          { port: 8080, allow: ["BIND_TCP"] },
        ],
        unavailable: "run-unconfined",
        threads: "warn",
        strategy: "probe",
        onReject: "fail",
        onMissingOptional: "ignore",
      },
    });
    expect(Object.isFrozen(policy.landlock?.rules[0])).toBe(true);
    expect(Object.isFrozen(policy.landlock?.required)).toBe(true);
  });

  it("records where the top-level knobs and each Landlock right came from", () => {
    const policy = yaml(AGENT)._unsafeUnwrap();
    const userfaultfd = originsOf(policy.userfaultfd!)!;
    expect(userfaultfd.fields.get("strategy")?.segments).toEqual(["strategy"]);
    expect(userfaultfd.fields.get("open")?.segments).toEqual(["userfaultfd", "open"]);
    expect(userfaultfd.features.get("THREAD_ID")?.segments).toEqual(["userfaultfd", "optional", 0]);
    const landlock = landlockOriginsOf(policy.landlock!)!;
    expect(landlock.rights.get("READ_DIR")?.segments).toEqual(["landlock", "required", 1]);
    expect(landlock.rules.map((origin) => origin.segments)).toEqual([
      ["landlock", "rules", 0],
      ["landlock", "rules", 1],
    ]);
  });

  it("takes a section alone, with its defaults", () => {
    const policy = yaml(["version: 2", "landlock: { required: [READ_FILE] }"])._unsafeUnwrap();
    expect(policy).toEqual({
      version: 2,
      landlock: {
        required: ["READ_FILE"],
        optional: [],
        forbidden: [],
        rules: [],
        ...LANDLOCK_POLICY_DEFAULTS,
      },
    });
    expect(yaml(["version: 2", "userfaultfd: {}"])._unsafeUnwrap().userfaultfd).toEqual(
      parsePolicy("version: 1\n", { format: "yaml" })._unsafeUnwrap(),
    );
  });

  it("refuses a policy with no section, which would negotiate nothing", () => {
    expect(issuesOf(["version: 2", "name: empty", "strategy: probe"])).toEqual([
      {
        path: "",
        message: "declares no section: a version 2 policy has userfaultfd:, landlock: or both",
        file: "policy.yaml",
        line: 1,
        column: 1,
        expected: ["userfaultfd: { … }", "landlock: { … }"],
      },
    ]);
  });

  it("reads the same document as JSON, with positions", () => {
    const json = JSON.stringify({
      version: 2,
      landlock: {
        rules: [
          { path: "/usr", allow: ["READ_FILE"] },
          { port: 70000, allow: ["BIND_TCP"] },
        ],
      },
    });
    const issues = parseMultiPolicy(json, { format: "json", file: "policy.json" })._unsafeUnwrapErr().issues;
    expect(issues).toEqual([
      expect.objectContaining({ path: "landlock.rules[1].port", line: 1, column: 81, value: 70000 }),
    ]);
  });
});

describe("parseMultiPolicy: errors in a version 2 document", () => {
  it("points at landlock.rules[3].allow[1]: a net right on a path rule, naming its group", () => {
    const issues = issuesOf([
      "version: 2",
      "landlock:",
      "  rules:",
      "    - { path: /a, allow: [READ_FILE] }",
      "    - { path: /b, allow: [READ_DIR] }",
      "    - { port: 1, allow: [BIND_TCP] }",
      "    - path: /etc",
      "      allow: [READ_FILE, CONNECT_TCP]",
    ]);
    expect(issues).toEqual([
      {
        path: "landlock.rules[3].allow[1]",
        message: "CONNECT_TCP is a net right: a path rule takes fs rights only",
        file: "policy.yaml",
        line: 8,
        column: 26,
        value: "CONNECT_TCP",
        expected: expect.arrayContaining(["READ_FILE", "TRUNCATE"]),
      },
    ]);
  });

  it("says scopes and restrict flags take no rules, and that QUIET is not a right", () => {
    const messages = issuesOf([
      "version: 2",
      "landlock:",
      "  required: [QUIET]",
      "  rules: [{ port: 1, allow: [SIGNAL] }, { path: /, allow: [TSYNC] }]",
    ]).map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual([
      "landlock.required[0]: QUIET is a flag of landlock_add_rule, which policy rules do not set: landlock.required takes fs, net and scope rights and restrict flags only",
      "landlock.rules[0].allow[0]: SIGNAL is a scope right, and scopes take no rules: a port rule takes net rights only",
      "landlock.rules[1].allow[0]: TSYNC is a restrict flag, and restrict flags take no rules: a path rule takes fs rights only",
    ]);
  });

  it("suggests the nearest names, bare or prefixed, Unicode look-alikes included", () => {
    const issues = issuesOf([
      "version: 2",
      "landlock:",
      "  required: [READ_FIEL, read_file, LANDLOCK_ACCESS_FS_READ_F\u0406LE, LANDLOCK_ACCESS_NET_READ_FILE, XYZZYX]",
    ]);
    expect(issues.map((issue) => [issue.message, issue.expected])).toEqual([
      ['unknown Landlock right "READ_FIEL"; did you mean READ_FILE or READ_DIR?', ["READ_FILE", "READ_DIR"]],
      ['unknown Landlock right "read_file"; did you mean READ_FILE or READ_DIR?', ["READ_FILE", "READ_DIR"]],
      [
        'unknown Landlock right "LANDLOCK_ACCESS_FS_READ_F\u0406LE" (character 26 is U+0406: names are ASCII); did you mean READ_FILE?',
        ["READ_FILE"],
      ],
      [
        'unknown Landlock right "LANDLOCK_ACCESS_NET_READ_FILE": READ_FILE is spelt LANDLOCK_ACCESS_FS_READ_FILE with its prefix',
        ["READ_FILE", "LANDLOCK_ACCESS_FS_READ_FILE"],
      ],
      [
        'unknown Landlock right "XYZZYX"',
        expect.arrayContaining(["READ_FILE", "BIND_TCP", "SIGNAL", "TSYNC"]),
      ],
    ]);
  });

  it("refuses a right both required and forbidden, like version 1", () => {
    expect(issuesOf(["version: 2", "landlock: { required: [READ_FILE], forbidden: [READ_FILE] }"])).toEqual([
      {
        path: "landlock.forbidden[0]",
        message: "READ_FILE is both required (landlock.required[0]) and forbidden",
        file: "policy.yaml",
        line: 2,
        column: 48,
        value: "READ_FILE",
        expected: ["READ_FILE in only one of landlock.required, landlock.forbidden"],
      },
    ]);
    expect(
      issuesOf(["version: 2", "userfaultfd: { required: [MOVE], forbidden: [MOVE] }"]).map((i) => i.message),
    ).toEqual(["MOVE is both required (userfaultfd.required[0]) and forbidden"]);
  });

  it("checks paths and ports: absolute, no control characters, at most 4095 bytes; integers 0..65535", () => {
    const long = `/${"é".repeat(2048)}`; // 4097 bytes, 2049 characters
    const issues = issuesOf([
      "version: 2",
      "landlock:",
      "  rules:",
      "    - { path: usr, allow: [READ_FILE] }",
      '    - { path: "/a\\u001b[2Jb", allow: [READ_FILE] }',
      `    - { path: ${long}, allow: [READ_FILE] }`,
      `    - { path: /${"x".repeat(4094)}, allow: [READ_FILE] }`,
      "    - { port: 1e308, allow: [BIND_TCP] }",
      "    - { port: -1, allow: [BIND_TCP] }",
      "    - { port: 80.5, allow: [BIND_TCP] }",
      '    - { port: "80", allow: [BIND_TCP] }',
      "    - { port: 65535, allow: [BIND_TCP] }",
    ]);
    expect(issues.map((issue) => `${issue.path} ${issue.line}:${issue.column} ${issue.message}`)).toEqual([
      'landlock.rules[0].path 4:15 must be absolute (start with /), not "usr"',
      'landlock.rules[1].path 5:15 must not contain control characters: "/a\\u001b[2Jb"',
      "landlock.rules[2].path 6:15 is longer than the limit of 4095 bytes for a path (Linux PATH_MAX with its NUL)",
      "landlock.rules[4].port 8:15 must be a TCP port, an integer from 0 to 65535, not 1e+308",
      "landlock.rules[5].port 9:15 must be a TCP port, an integer from 0 to 65535, not -1",
      "landlock.rules[6].port 10:15 must be a TCP port, an integer from 0 to 65535, not 80.5",
      'landlock.rules[7].port 11:15 must be a TCP port, an integer from 0 to 65535, not the string "80"',
    ]);
  });

  it("refuses a rule with both or neither of path and port, an empty allow, and unknown keys", () => {
    const issues = issuesOf([
      "version: 2",
      "landlock:",
      "  rules:",
      "    - { path: /a, port: 1, allow: [READ_FILE] }",
      "    - { allow: [READ_FILE] }",
      "    - { path: /a, allow: [] }",
      "    - { path: /a, allow: [READ_FILE], quiet: true }",
      "  verify: true",
    ]);
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      "landlock.rules[0]: has both path and port: one rule has one of them",
      "landlock.rules[1]: must have one of path, port",
      "landlock.rules[2].allow: must be a non-empty list of Landlock rights",
      'landlock.rules[3].quiet: unknown field "quiet"',
      'landlock.verify: unknown field "verify"',
    ]);
  });
});

describe("version 1 and mixed versions", () => {
  it("reads a version 1 document as { version: 2, name, userfaultfd }, the same policy parsePolicy gives", () => {
    const text = "version: 1\nname: old\nextends: preset:lazy-restore\nfeatures: { required: [MOVE] }\n";
    const multi = parseMultiPolicy(text, { format: "yaml" })._unsafeUnwrap();
    const single = parsePolicy(text, { format: "yaml" })._unsafeUnwrap();
    expect(multi).toEqual({ version: 2, name: "old", userfaultfd: single });
    const segments = (policy: object) =>
      [...originsOf(policy)!.features].map(([name, origin]) => [name, origin.segments]);
    expect(segments(multi.userfaultfd!)).toEqual(segments(single));
  });

  it("lets a version 2 file extend a version 1 file: its features and knobs are the userfaultfd layer", () => {
    write("mixed/v1-base.yaml", [
      "version: 1",
      "name: base",
      "features: { optional: [THREAD_ID] }",
      "open: device",
    ]);
    const file = write("mixed/v2.yaml", [
      "version: 2",
      "extends: ./v1-base.yaml",
      "strategy: one-shot",
      "userfaultfd: { required: [MOVE] }",
      "landlock: { required: [READ_FILE] }",
    ]);
    const policy = loadMultiPolicy(file)._unsafeUnwrap();
    expect(policy.name).toBeUndefined();
    expect(policy.userfaultfd?.required).toEqual(FeatureSet.of("MOVE"));
    expect(policy.userfaultfd?.optional).toEqual(FeatureSet.of("THREAD_ID"));
    expect(policy.userfaultfd?.open).toBe("device");
    expect(policy.userfaultfd?.strategy).toBe("one-shot");
    expect(policy.landlock?.strategy).toBe("one-shot");
  });

  it("lets a version 1 file extend a version 2 file: the result is version 2", () => {
    write("mixed/v2-base.yaml", [
      "version: 2",
      "strategy: probe",
      "userfaultfd: { optional: [THREAD_ID] }",
      "landlock: { optional: [TRUNCATE] }",
    ]);
    const file = write("mixed/v1.yaml", [
      "version: 1",
      "extends: ./v2-base.yaml",
      "features: { required: [MOVE] }",
    ]);
    const policy = loadMultiPolicy(file)._unsafeUnwrap();
    expect(policy.version).toBe(2);
    expect(policy.userfaultfd?.required).toEqual(FeatureSet.of("MOVE"));
    expect(policy.userfaultfd?.strategy).toBe("probe");
    expect(policy.landlock?.optional).toEqual(["TRUNCATE"]);
    const error = loadPolicy(file)._unsafeUnwrapErr();
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.message).toContain("use parseMultiPolicy or loadMultiPolicy");
  });

  it("merges Landlock layers: lists unite, forbidden wins, rules concatenate once each, scalars later-wins", () => {
    write("landlock/base.yaml", [
      "version: 2",
      "landlock:",
      "  required: [READ_FILE, BIND_TCP]",
      "  optional: [TRUNCATE, EXECUTE]",
      "  forbidden: [SIGNAL]",
      "  rules: [{ path: /usr, allow: [READ_DIR, READ_FILE] }, { port: 80, allow: [BIND_TCP] }]",
      "  unavailable: run-unconfined",
      "  threads: warn",
    ]);
    const file = write("landlock/policy.yaml", [
      "version: 2",
      "extends: ./base.yaml",
      "onMissingOptional: warn",
      "landlock:",
      "  required: [EXECUTE, SIGNAL]",
      "  optional: [READ_FILE]",
      "  forbidden: [TRUNCATE]",
      "  rules: [{ path: /usr, allow: [READ_FILE, READ_DIR, READ_FILE] }, { path: /srv, allow: [READ_FILE] }]",
      "  threads: fail",
    ]);
    expect(loadMultiPolicy(file)._unsafeUnwrap().landlock).toEqual({
      required: ["EXECUTE", "READ_FILE", "BIND_TCP"],
      optional: [],
      forbidden: ["TRUNCATE", "SIGNAL"],
      rules: [
        { path: "/usr", allow: ["READ_FILE", "READ_DIR"] },
        { port: 80, allow: ["BIND_TCP"] },
        { path: "/srv", allow: ["READ_FILE"] },
      ],
      unavailable: "run-unconfined",
      threads: "fail",
      strategy: "auto",
      onReject: "probe",
      onMissingOptional: "warn",
    });
  });

  it("lets a section's own knobs win over the top level of any layer", () => {
    write("knobs/base.yaml", [
      "version: 2",
      "userfaultfd: { strategy: probe }",
      "landlock: { strategy: probe }",
    ]);
    const file = write("knobs/policy.yaml", [
      "version: 2",
      "extends: ./base.yaml",
      "strategy: one-shot",
      "verify: false",
    ]);
    const policy = loadMultiPolicy(file)._unsafeUnwrap();
    expect([policy.userfaultfd?.strategy, policy.landlock?.strategy, policy.userfaultfd?.verify]).toEqual([
      "probe",
      "probe",
      false,
    ]);
  });

  it("names a version 2 file in an extends error, and refuses a file of an unknown version", () => {
    write("versions/v3.yaml", ["version: 3", "landlock: {}"]);
    const file = write("versions/policy.yaml", ["version: 2", "extends: ./v3.yaml", "landlock: {}"]);
    expect(
      loadMultiPolicy(file)
        ._unsafeUnwrapErr()
        .issues.map((issue) => issue.message),
    ).toEqual([
      `${join(root, "versions/v3.yaml")} is not a policy file (a YAML or JSON mapping that declares version: 1 or 2)`,
    ]);
  });
});

describe("parsePolicy and loadPolicy with a version 2 document", () => {
  it("give the userfaultfd section when it is the only one", () => {
    const text = "version: 2\nname: u\nstrategy: probe\nuserfaultfd: { required: [MOVE] }\n";
    const policy = parsePolicy(text, { format: "yaml" })._unsafeUnwrap();
    expect(policy).toEqual({
      ...POLICY_DEFAULTS,
      name: "u",
      required: FeatureSet.of("MOVE"),
      optional: FeatureSet.EMPTY,
      forbidden: FeatureSet.EMPTY,
      oneOf: [],
      strategy: "probe",
    });
  });

  it("refuse a policy with a landlock section, saying what to call instead", () => {
    const error = parsePolicy("version: 2\nlandlock: { required: [READ_FILE] }\n", {
      format: "yaml",
      file: "p.yaml",
    })._unsafeUnwrapErr();
    expect(error.issues).toEqual([
      {
        path: "landlock",
        message:
          "this policy has no userfaultfd section: parsePolicy and loadPolicy give a userfaultfd section alone; use parseMultiPolicy or loadMultiPolicy to read every section",
        file: "p.yaml",
        line: 2,
        column: 11,
        expected: ["parseMultiPolicy(text, options)", "loadMultiPolicy(path)"],
      },
    ]);
  });

  it("report the issues of an invalid version 2 document as parseMultiPolicy does", () => {
    const text = "version: 2\nlandlock: { required: [READ_FIEL] }\n";
    expect(parsePolicy(text, { format: "yaml" })._unsafeUnwrapErr()).toEqual(
      parseMultiPolicy(text, { format: "yaml" })._unsafeUnwrapErr(),
    );
  });
});

describe("definePolicy({ version: 2 }) and writing", () => {
  it("validates like a file and gives the same policy", () => {
    const inCode = definePolicy({
      version: 2,
      name: "agent",
      strategy: "probe",
      verify: false,
      userfaultfd: { required: ["MISSING_SHMEM"], optional: ["UFFD_FEATURE_THREAD_ID"], open: "auto" },
      landlock: {
        required: ["READ_FILE", "LANDLOCK_ACCESS_FS_READ_DIR"],
        optional: ["TRUNCATE", "BIND_TCP", "SIGNAL", "TSYNC"],
        forbidden: [],
        rules: [
          { path: "/usr", allow: ["READ_FILE", "READ_DIR", "EXECUTE"] },
          { port: 8080, allow: ["LANDLOCK_ACCESS_NET_BIND_TCP"] },
        ],
        unavailable: "run-unconfined",
        threads: "warn",
        onReject: "fail",
      },
    });
    expect(inCode._unsafeUnwrap()).toEqual(yaml(AGENT)._unsafeUnwrap());
  });

  it("is total: a value cast past the compiler is reported, a file extends refused", () => {
    const document = {
      version: 2,
      extends: "./base.yaml",
      landlock: { rules: [{ port: 99999, allow: ["BIND_TCP"] }] },
    } as unknown as MultiPolicyInput;
    expect(
      definePolicy(document)
        ._unsafeUnwrapErr()
        .issues.map((issue) => issue.path),
    ).toEqual(["landlock.rules[0].port", "extends"]);
  });

  it("writes a MultiPolicy as a self-contained version 2 document that parses back equal", () => {
    const policy = yaml(AGENT)._unsafeUnwrap();
    const document = policyToDocument(policy);
    expect(document.version).toBe(2);
    expect(document.userfaultfd?.verify).toBe(false);
    expect(document.landlock?.rules).toEqual(policy.landlock?.rules);
    for (const format of ["yaml", "json"] as const) {
      const text = stringifyPolicy(policy, { format });
      expect(parseMultiPolicy(text, { format })._unsafeUnwrap(), format).toEqual(policy);
    }
    const landlockOnly = yaml(["version: 2", "landlock: { optional: [SIGNAL] }"])._unsafeUnwrap();
    expect(
      parseMultiPolicy(stringifyPolicy(landlockOnly, { format: "yaml" }), { format: "yaml" })._unsafeUnwrap(),
    ).toEqual(landlockOnly);
  });

  it("throws a TypeError for what is not a MultiPolicy", () => {
    expect(() => policyToDocument({ version: 2, landlock: { required: "READ_FILE" } } as never)).toThrow(
      "policyToDocument: policy.landlock.required must be a list",
    );
    expect(() => policyToDocument({ version: 2, userfaultfd: {} } as never)).toThrow(TypeError);
  });

  it("returns an error for arguments that are not text or a path", () => {
    expect(parseMultiPolicy(null as never, { format: "yaml" })._unsafeUnwrapErr().kind).toBe(
      "invalid-policy",
    );
    expect(parseMultiPolicy("version: 2\n", null as never)._unsafeUnwrapErr().kind).toBe("invalid-policy");
    expect(loadMultiPolicy(undefined as never)._unsafeUnwrapErr().issues[0]?.message).toBe(
      "the policy path must be a string",
    );
  });
});

describe("version 1 means what it meant", () => {
  const name = fc.constantFrom(
    "MOVE",
    "THREAD_ID",
    "UFFD_FEATURE_SIGBUS",
    "WP_ASYNC",
    "PAGEFAULT_FLAG_WP",
    "MOVEE",
  );
  const list = fc.array(name, { maxLength: 3 });
  const features = fc.record(
    { required: list, optional: list, forbidden: list, oneOf: fc.array(list, { maxLength: 2 }) },
    { requiredKeys: [] },
  );
  const knobs = fc.record(
    {
      strategy: fc.constantFrom("auto", "probe", "one-shot", "fast"),
      open: fc.constantFrom("auto", "syscall", "user-mode-only"),
      userModeOnly: fc.constantFrom("allow", "forbid", "require"),
      verify: fc.boolean(),
      minKernel: fc.constantFrom("5.15", "v5"),
    },
    { requiredKeys: [] },
  );
  const document = fc.record(
    {
      name: fc.constantFrom("a", "b"),
      extends: fc.constantFrom("preset:lazy-restore", "preset:write-protect-snapshots"),
      features,
      knobs,
    },
    { requiredKeys: [] },
  );

  it("a version 1 document gives parseMultiPolicy exactly what parsePolicy gives, and so does its version 2 form", () => {
    let valid = 0;
    fc.assert(
      fc.property(document, ({ knobs: fields = {}, features: lists, ...rest }) => {
        const v1 = stringify({ version: 1, ...rest, ...(lists ? { features: lists } : {}), ...fields });
        const single = parsePolicy(v1, { format: "yaml" });
        const multi = parseMultiPolicy(v1, { format: "yaml" });
        if (single.isErr()) {
          expect(multi._unsafeUnwrapErr()).toEqual(single.error);
        } else {
          valid++;
          const { name: label } = single.value;
          expect(multi._unsafeUnwrap()).toEqual({
            version: 2,
            ...(label ? { name: label } : {}),
            userfaultfd: single.value,
          });
        }
        const v2 = stringify({ version: 2, ...rest, userfaultfd: { ...lists, ...fields } });
        const rewritten = parseMultiPolicy(v2, { format: "yaml" });
        expect(rewritten.isOk()).toBe(single.isOk());
        if (single.isOk()) expect(rewritten._unsafeUnwrap().userfaultfd).toEqual(single.value);
      }),
      { numRuns: 400 },
    );
    expect(valid).toBeGreaterThan(40);
  });
});

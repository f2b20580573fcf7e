// The hostile corpus beyond the committed files: inputs that cannot be committed (a FIFO, a 2,000-file chain,
// texts over 1 MiB) or that are not files (values passed to the exported functions). Each case builds its
// input in `directory` and gives what the SDK returned (or threw) as plain data; `cases.expected.json` holds
// exactly that for each case, by name.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  decodeHostProfile,
  definePolicy,
  FeatureSet,
  lintPolicy,
  loadMultiPolicy,
  loadPolicy,
  type MultiPolicyInput,
  negotiate,
  type PolicyInput,
  parseKernelRelease,
  parseMultiPolicy,
  parsePolicy,
  policyToDocument,
  probe,
} from "@negotiate/core";
import { mockBackend } from "@negotiate/mock";

export interface HostileCase {
  readonly name: string;
  /** Builds the input in `directory`; not timed. */
  readonly prepare?: (directory: string) => void;
  /** Runs the SDK on it; timed. */
  readonly run: (directory: string) => unknown;
}

/** The committed files of the corpus: every policy file under `files/` except the `bases/` they extend. */
export function corpusFiles(root: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && /\.(ya?ml|json)$/.test(entry.name) && !entry.name.endsWith(".expected.json"))
      if (!relative(root, path).startsWith("bases")) found.push(relative(root, path));
  }
  return found.sort();
}

/** A Result as plain data, with the case directory taken out of file names and messages. */
export function outcomeOf(result: { isOk(): boolean }, directory: string): unknown {
  const value = result.isOk() ? { ok: true } : { error: (result as unknown as { error: unknown }).error };
  const text = JSON.stringify(value, (_, entry) => (typeof entry === "bigint" ? `${entry}n` : entry));
  return JSON.parse(
    directory === "" ? text : text.split(`${directory}/`).join("").split(directory).join("."),
  );
}

const thrown = (run: () => unknown): unknown => {
  try {
    run();
    return "returned";
  } catch (error) {
    return { threw: (error as Error).name, message: (error as Error).message };
  }
};

const V = "version: 1\n";
const backend = () => mockBackend({ kernel: "6.18.0", arch: "x86_64", capSysPtrace: true });
const anyPolicy = (value: unknown) => definePolicy(value as PolicyInput);
const anyMultiPolicy = (value: unknown) => definePolicy(value as MultiPolicyInput);
const rulesFile = (count: number) => (directory: string) => {
  const rules = Array.from(
    { length: count },
    (_, index) => `    - { path: /srv/${index}, allow: [READ_FILE] }\n`,
  );
  writeFileSync(join(directory, "policy.yaml"), `version: 2\nlandlock:\n  rules:\n${rules.join("")}`);
};
const throwing = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error("trap");
      },
      ownKeys() {
        throw new Error("trap");
      },
      getPrototypeOf() {
        throw new Error("trap");
      },
    },
  );

const chain = (length: number) => (directory: string) => {
  for (let index = 0; index < length; index++) {
    const next = index + 1 < length ? `extends: ./${index + 1}.yaml\n` : "strategy: twostep\n";
    writeFileSync(join(directory, `${index}.yaml`), `${V}${next}`);
  }
};
const load = (file: string) => (directory: string) => outcomeOf(loadPolicy(join(directory, file)), directory);

const NAMES = [
  "MOVE",
  "THREAD_ID",
  "POISON",
  "SIGBUS",
  "WP_ASYNC",
  "MINOR_SHMEM",
  "EVENT_FORK",
  "EVENT_REMAP",
];
// Groups of two alternatives and EVENT_REMAP, all different up to 64; the rest repeat them (de-duplicated).
const groupsOf = (count: number) =>
  Array.from({ length: count }, (_, index) => [NAMES[index % 8]!, NAMES[(index >> 3) % 8]!, "EVENT_REMAP"]);

export const CASES: readonly HostileCase[] = [
  {
    name: "a version 2 policy with 500 distinct rules is read whole",
    prepare: rulesFile(500),
    run: (directory) => {
      const result = loadMultiPolicy(join(directory, "policy.yaml"));
      return result.isOk() ? { rules: result.value.landlock?.rules.length } : outcomeOf(result, directory);
    },
  },
  { name: "a version 2 policy with 20,000 rules", prepare: rulesFile(20_000), run: load("policy.yaml") },
  {
    name: "2,000 identical rules in code are kept once",
    run: () => {
      const rule = { port: 80, allow: ["BIND_TCP"] };
      const result = anyMultiPolicy({
        version: 2,
        landlock: { rules: Array.from({ length: 2000 }, () => rule) },
      });
      return result.isOk() ? { rules: result.value.landlock?.rules.length } : outcomeOf(result, "");
    },
  },
  {
    name: "a rule path of 50 MB in code",
    run: (directory) =>
      outcomeOf(
        anyMultiPolicy({
          version: 2,
          landlock: { rules: [{ path: `/${"p".repeat(50_000_000)}`, allow: ["READ_FILE"] }] },
        }),
        directory,
      ),
  },
  {
    name: "a Landlock name of 50 MB given to parseMultiPolicy as text",
    run: (directory) =>
      outcomeOf(
        parseMultiPolicy(
          `version: 2\nlandlock: { required: [LANDLOCK_ACCESS_FS_${"R".repeat(50_000_000)}] }\n`,
          {
            format: "yaml",
          },
        ),
        directory,
      ),
  },
  {
    name: "parseMultiPolicy(null text)",
    run: (directory) => outcomeOf(parseMultiPolicy(null as never, { format: "yaml" }), directory),
  },
  {
    name: "loadMultiPolicy(undefined)",
    run: (directory) => outcomeOf(loadMultiPolicy(undefined as never), directory),
  },
  {
    name: "definePolicy of version 2 with a throwing getter in a section",
    run: (directory) =>
      outcomeOf(
        anyMultiPolicy({
          version: 2,
          landlock: {
            get rules() {
              throw new TypeError("boom");
            },
          },
        }),
        directory,
      ),
  },
  {
    name: "policyToDocument of a version 2 value whose section is a Proxy",
    run: () => thrown(() => policyToDocument({ version: 2, landlock: throwing() } as never)),
  },
  {
    name: "the policy path is a FIFO with no writer",
    prepare: (directory) => execFileSync("mkfifo", [join(directory, "policy.yaml")]),
    run: load("policy.yaml"),
  },
  {
    name: "extends names a FIFO with no writer",
    prepare: (directory) => {
      execFileSync("mkfifo", [join(directory, "fifo.yaml")]);
      writeFileSync(join(directory, "policy.yaml"), `${V}extends: ./fifo.yaml\n`);
    },
    run: load("policy.yaml"),
  },
  { name: "a 2,000-file extends chain", prepare: chain(2000), run: load("0.yaml") },
  { name: "a chain of exactly 32 extended files is read whole", prepare: chain(33), run: load("0.yaml") },
  {
    name: "extends naming 100 distinct files",
    prepare: (directory) => {
      for (let index = 0; index < 100; index++)
        writeFileSync(join(directory, `b${index}.yaml`), `${V}verify: true\n`);
      const list = Array.from({ length: 100 }, (_, index) => `  - ./b${index}.yaml\n`).join("");
      writeFileSync(join(directory, "policy.yaml"), `${V}extends:\n${list}`);
    },
    run: load("policy.yaml"),
  },
  {
    name: "a cycle through a directory symlink made at run time",
    prepare: (directory) => {
      mkdirSync(join(directory, "real"));
      symlinkSync(join(directory, "real"), join(directory, "link"));
      writeFileSync(join(directory, "real/a.yaml"), `${V}extends: ../link/b.yaml\n`);
      writeFileSync(join(directory, "real/b.yaml"), `${V}extends: ../real/a.yaml\n`);
    },
    run: load("link/a.yaml"),
  },
  {
    name: "an absolute extends path is honoured as absolute",
    prepare: (directory) => {
      mkdirSync(join(directory, "elsewhere"));
      writeFileSync(join(directory, "elsewhere/base.yaml"), `${V}strategy: twostep\n`);
      mkdirSync(join(directory, "policies"));
      writeFileSync(
        join(directory, "policies/policy.yaml"),
        `${V}extends: ${join(directory, "elsewhere/base.yaml")}\n`,
      );
    },
    run: load("policies/policy.yaml"),
  },
  {
    name: "20,000 oneOf groups",
    prepare: (directory) => {
      const groups = Array.from(
        { length: 20_000 },
        (_, index) => `    - [${NAMES[index % 8]}, ${NAMES[(index >> 3) % 8]}, ${NAMES[(index >> 6) % 8]}]\n`,
      ).join("");
      writeFileSync(join(directory, "policy.yaml"), `${V}strategy: twostep\nfeatures:\n  oneOf:\n${groups}`);
    },
    run: load("policy.yaml"),
  },
  {
    name: "20,000 oneOf groups in code",
    run: (directory) => outcomeOf(anyPolicy({ features: { oneOf: groupsOf(20_000) } }), directory),
  },
  {
    name: "2,000 oneOf groups in code are de-duplicated in linear time",
    run: () => {
      const result = anyPolicy({ features: { oneOf: groupsOf(2000) } });
      return result.isOk() ? { groups: result.value.oneOf.length } : outcomeOf(result, "");
    },
  },
  {
    name: "a policy file of 1 MiB and one byte",
    prepare: (directory) =>
      writeFileSync(join(directory, "policy.yaml"), `${V}name: ${"n".repeat(1024 * 1024)}\n`),
    run: load("policy.yaml"),
  },
  {
    name: "a 50 MB name in code",
    run: (directory) => outcomeOf(anyPolicy({ name: "n".repeat(50_000_000) }), directory),
  },
  {
    name: "a 50 MB name given to parsePolicy as text",
    run: (directory) =>
      outcomeOf(parsePolicy(`${V}name: ${"n".repeat(50_000_000)}\n`, { format: "yaml" }), directory),
  },
  { name: "definePolicy(null)", run: (directory) => outcomeOf(anyPolicy(null), directory) },
  {
    name: "definePolicy(a Proxy whose traps throw)",
    run: (directory) => outcomeOf(anyPolicy(throwing()), directory),
  },
  {
    name: "definePolicy with a throwing getter",
    run: (directory) =>
      outcomeOf(
        anyPolicy({
          get features() {
            throw new TypeError("boom");
          },
        }),
        directory,
      ),
  },
  {
    name: "definePolicy(a revoked Proxy)",
    run: (directory) => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return outcomeOf(anyPolicy(proxy), directory);
    },
  },
  {
    name: "definePolicy with 1,000 levels of nesting",
    run: (directory) => {
      let value: unknown = [];
      for (let index = 0; index < 1000; index++) value = [value];
      return outcomeOf(anyPolicy({ features: { oneOf: value } }), directory);
    },
  },
  {
    name: "definePolicy with own keys constructor and __proto__",
    run: (directory) =>
      outcomeOf(anyPolicy(JSON.parse('{"constructor": 1, "__proto__": {"strategy": "probe"}}')), directory),
  },
  {
    name: "definePolicy with a class instance as features",
    run: (directory) => outcomeOf(anyPolicy({ features: new Map([["required", ["MOVE"]]]) }), directory),
  },
  {
    name: "parsePolicy(null text)",
    run: (directory) => outcomeOf(parsePolicy(null as never, { format: "yaml" }), directory),
  },
  {
    name: "parsePolicy with null options",
    run: (directory) => outcomeOf(parsePolicy(V, null as never), directory),
  },
  {
    name: "parsePolicy with an unknown format",
    run: (directory) => outcomeOf(parsePolicy(V, { format: "toml" as never }), directory),
  },
  { name: "loadPolicy(undefined)", run: (directory) => outcomeOf(loadPolicy(undefined as never), directory) },
  {
    name: "loadPolicy of a path with a NUL",
    run: (directory) => outcomeOf(loadPolicy("policy\0.yaml"), directory),
  },
  { name: "decodeHostProfile(null)", run: (directory) => outcomeOf(decodeHostProfile(null), directory) },
  {
    name: "decodeHostProfile(a throwing Proxy)",
    run: (directory) => outcomeOf(decodeHostProfile(throwing()), directory),
  },
  {
    name: "decodeHostProfile of text that is a secret, not JSON",
    run: (directory) => outcomeOf(decodeHostProfile("root:SECRET-hash:19000:0:99999:7:::"), directory),
  },
  {
    name: "decodeHostProfile with an escape sequence in a field",
    run: (directory) =>
      outcomeOf(
        decodeHostProfile({ format: "negotiate-host-profile", version: 1, capturedAt: "\u001b[2Jnow" }),
        directory,
      ),
  },
  {
    name: "decodeHostProfile of version 2 with a long string version",
    run: (directory) =>
      outcomeOf(decodeHostProfile({ format: "negotiate-host-profile", version: "9".repeat(500) }), directory),
  },
  {
    name: "negotiate(null policy)",
    run: (directory) => outcomeOf(negotiate(null as never, { backend: backend() }), directory),
  },
  {
    name: "negotiate(a Proxy policy)",
    run: (directory) => outcomeOf(negotiate(throwing() as never, { backend: backend() }), directory),
  },
  {
    name: "negotiate with a policy whose lists are not FeatureSets",
    run: (directory) =>
      outcomeOf(
        negotiate({ required: ["MOVE"], optional: [], forbidden: [], oneOf: [] } as never, {
          backend: backend(),
        }),
        directory,
      ),
  },
  {
    name: "negotiate(policy, null options)",
    run: (directory) => outcomeOf(negotiate(definePolicy({})._unsafeUnwrap(), null as never), directory),
  },
  {
    name: "negotiate with a backend that is not one",
    run: (directory) =>
      outcomeOf(negotiate(definePolicy({})._unsafeUnwrap(), { backend: {} as never }), directory),
  },
  {
    name: "negotiate with a Proxy backend",
    run: (directory) =>
      outcomeOf(negotiate(definePolicy({})._unsafeUnwrap(), { backend: throwing() as never }), directory),
  },
  {
    name: "probe(null options)",
    run: (directory) => outcomeOf(probe(null as never), directory),
  },
  {
    name: "probe with a backend that is not one",
    run: (directory) => outcomeOf(probe({ backend: {} as never }), directory),
  },
  {
    name: "probe with a Proxy backend",
    run: (directory) => outcomeOf(probe({ backend: throwing() as never }), directory),
  },
  { name: 'FeatureSet.of("constructor")', run: () => thrown(() => FeatureSet.of("constructor" as never)) },
  { name: 'FeatureSet.of("__proto__")', run: () => thrown(() => FeatureSet.of("__proto__" as never)) },
  {
    name: 'FeatureSet.parse(["constructor"])',
    run: (directory) => outcomeOf(FeatureSet.parse(["constructor"]), directory),
  },
  { name: 'FeatureSet.has("toString")', run: () => FeatureSet.all().has("toString" as never) },
  { name: "lintPolicy(null)", run: () => thrown(() => lintPolicy(null as never)) },
  {
    name: 'parseKernelRelease("5.15 or so")',
    run: (directory) => outcomeOf(parseKernelRelease("5.15 or so"), directory),
  },
  {
    name: "a session's enabled map, trace, warnings and fields cannot be changed",
    run: () => {
      const session = negotiate(definePolicy({ features: { optional: ["THREAD_ID"] } })._unsafeUnwrap(), {
        backend: backend(),
      })._unsafeUnwrap();
      const attempts = {
        enabled: thrown(() => {
          (session.enabled as Record<string, boolean>).THREAD_ID = false;
        }),
        trace: thrown(() => (session.trace as unknown[]).push({})),
        traceEntry: thrown(() => {
          (session.trace[0] as { result: string }).result = "EPERM";
        }),
        warnings: thrown(() => (session.warnings as unknown[]).push({})),
        missingOptional: thrown(() => (session.missingOptional as unknown[]).push("MOVE")),
        fd: thrown(() => {
          (session as { fd: number }).fd = 99;
        }),
      };
      session.close();
      return { attempts, closeFrozen: Object.isFrozen(session.trace), closeLast: session.trace.at(-1)?.op };
    },
  },
];

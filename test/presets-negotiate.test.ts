import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  type FeatureName,
  Knowledge,
  loadPolicy,
  negotiate,
  type Policy,
  PRESET_NAMES,
  parsePolicy,
} from "@negotiate/core";
import { mockBackend } from "@negotiate/mock";
import { describe, expect, it } from "vitest";

const examples = join(import.meta.dirname, "../examples/policies");
const exampleFiles = readdirSync(examples).filter((file) => file.endsWith(".yaml"));

const root = () => mockBackend({ kernel: "6.18", arch: "x86_64", capSysPtrace: true });
const unprivileged = () => mockBackend({ kernel: "6.18", arch: "x86_64" });

function negotiated(policy: Policy<never, FeatureName>, backend: ReturnType<typeof root>) {
  const result = negotiate(policy, { backend, knowledge: new Knowledge() });
  if (result.isOk()) result.value.close();
  return result;
}

describe("shipped presets and example policies on a recent kernel (mock 6.18 x86_64)", () => {
  it.each(PRESET_NAMES)("preset %s negotiates as root, with every required feature enabled", (name) => {
    const policy = parsePolicy(`version: 1\nextends: preset:${name}\n`, { format: "yaml" })._unsafeUnwrap();
    const session = negotiated(policy, root())._unsafeUnwrap();
    expect(session.enabledSet.covers(policy.required)).toBe(true);
    expect(session.enabledSet.intersect(policy.forbidden).isEmpty).toBe(true);
    // 6.18 on x86_64 supports every feature the presets list.
    expect(session.missingOptional).toEqual([]);
    expect(session.open).not.toBe("user-mode-only");
  });

  it.each(exampleFiles)("examples/policies/%s negotiates as root", (file) => {
    const policy = loadPolicy(join(examples, file))._unsafeUnwrap();
    const session = negotiated(policy, root())._unsafeUnwrap();
    expect(session.enabledSet.covers(policy.required)).toBe(true);
    for (const group of policy.oneOf) expect(session.enabledSet.has(group[0]!)).toBe(true);
  });

  it("example.yaml gets all it asks for as root: the first alternative and what it implies", () => {
    const policy = loadPolicy(join(examples, "example.yaml"))._unsafeUnwrap();
    const session = negotiated(policy, root())._unsafeUnwrap();
    expect(session.enabledSet.names()).toEqual([
      "EVENT_FORK",
      "MISSING_SHMEM",
      "THREAD_ID",
      "EXACT_ADDRESS",
      "WP_UNPOPULATED",
      "WP_ASYNC",
    ]);
    expect(session.warnings).toEqual([]);
  });

  it("example.yaml negotiates unprivileged too: user-mode-only, EVENT_FORK dropped with a warning", () => {
    const policy = loadPolicy(join(examples, "example.yaml"))._unsafeUnwrap();
    const session = negotiated(policy, unprivileged())._unsafeUnwrap();
    expect(session.open).toBe("user-mode-only");
    expect(session.enabledSet.has("MISSING_SHMEM")).toBe(true);
    expect(session.enabledSet.has("EVENT_FORK")).toBe(false);
    expect(session.warnings.map((warning) => warning.code)).toContain("event-fork-dropped");
  });

  it("presets that forbid user-mode-only are refused unprivileged, with the sysctl named; minimal is not", () => {
    for (const name of PRESET_NAMES) {
      const policy = parsePolicy(`version: 1\nextends: preset:${name}\n`, { format: "yaml" })._unsafeUnwrap();
      const result = negotiated(policy, unprivileged());
      if (policy.userModeOnly === "forbid") {
        expect(result._unsafeUnwrapErr(), name).toMatchObject({
          kind: "permission-denied",
          cause: { kind: "sysctl" },
        });
      } else {
        expect(result._unsafeUnwrap().open, name).toBe("user-mode-only");
      }
    }
  });
});

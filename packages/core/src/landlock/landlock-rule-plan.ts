import { err, ok, type Result } from "neverthrow";
import type { PolicyIssue } from "../errors.js";
import { quoteText } from "../policy/quote-value.js";
import type { LandlockMasks } from "./landlock-definition.js";
import { type LandlockRightName, landlockMasksOf, landlockRightNames } from "./landlock-lookup.js";
import type { LandlockRuleSpec } from "./landlock-policy.js";

/** The longest path a rule may name, in bytes: PATH_MAX (4096) less its NUL. */
const MAX_PATH_BYTES = 4095;
const MAX_PORT = 65_535;

/**
 * A rule checked and intersected with what the ruleset handles: `allowed` is what it may still grant (0: the rule
 * is skipped), `dropped` the rights it asked for that the ruleset does not handle (or of another group).
 */
export type LandlockRulePlan =
  | {
      readonly type: "path";
      readonly path: string;
      readonly allowed: bigint;
      readonly dropped: readonly LandlockRightName[];
    }
  | {
      readonly type: "port";
      readonly port: number;
      readonly allowed: bigint;
      readonly dropped: readonly LandlockRightName[];
    };

const issue = (path: string, message: string, value: unknown, expected: readonly string[]): PolicyIssue => ({
  path,
  message,
  ...(typeof value === "string" || typeof value === "number" ? { value } : {}),
  expected,
});

const isAbsolutePath = (path: unknown): path is string =>
  typeof path === "string" &&
  path.startsWith("/") &&
  !path.includes("\0") &&
  Buffer.byteLength(path, "utf8") <= MAX_PATH_BYTES;

/**
 * Checks one rule (it may come from outside a validated policy) and intersects its rights with `handled`:
 * a path rule keeps `fs` rights, a port rule `net` rights. `at` names it in issues (`rules[2]`).
 */
export function planLandlockRule(
  rule: LandlockRuleSpec,
  handled: LandlockMasks,
  at: string,
): Result<LandlockRulePlan, PolicyIssue> {
  if (typeof rule !== "object" || rule === null)
    return err(
      issue(at, `${at} must be an object with path or port, and allow`, undefined, [
        "{ path, allow }",
        "{ port, allow }",
      ]),
    );
  const allow: unknown = rule.allow;
  if (!Array.isArray(allow) || allow.some((name) => typeof name !== "string"))
    return err(
      issue(`${at}.allow`, `${at}.allow must be a list of right names`, undefined, ["[READ_FILE, …]"]),
    );
  const masks = landlockMasksOf(allow as string[]);
  if (masks.isErr()) return err(issue(`${at}.allow`, masks.error.message, masks.error.name, []));
  const hasPath = "path" in rule;
  if (hasPath === "port" in rule)
    return err(
      issue(at, `${at} must have exactly one of path and port`, undefined, [
        "{ path, allow }",
        "{ port, allow }",
      ]),
    );
  const group = hasPath ? "fs" : "net";
  const allowed = masks.value[group] & handled[group];
  // Everything asked for that the rule will not grant: unhandled rights of its group, all of another group.
  const asked: LandlockMasks = masks.value;
  const dropped = landlockRightNames(
    group === "fs" ? { ...asked, fs: asked.fs & ~allowed } : { ...asked, net: asked.net & ~allowed },
  );
  if (hasPath) {
    const { path } = rule as { path: unknown };
    if (!isAbsolutePath(path))
      return err(
        issue(
          `${at}.path`,
          `${at}.path ${typeof path === "string" ? quoteText(path) : `(a ${typeof path})`} must be an absolute path without NUL, at most ${MAX_PATH_BYTES} bytes`,
          path,
          ["/an/absolute/path"],
        ),
      );
    return ok({ type: "path", path, allowed, dropped });
  }
  const { port } = rule as { port: unknown };
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > MAX_PORT)
    return err(
      issue(`${at}.port`, `${at}.port ${String(port)} must be an integer port 0..${MAX_PORT}`, port, [
        "0..65535",
      ]),
    );
  return ok({ type: "port", port, allowed, dropped });
}

import type { MultiPolicy, NegotiationError } from "@negotiate/core";
import {
  type LandlockPort,
  type LandlockRightName,
  type LandlockRightStatus,
  negotiateLandlock,
} from "@negotiate/core/landlock";
import { err, type Result } from "neverthrow";

/** What running a tool under a policy would confine on one kernel; nothing is restricted to learn it. */
export interface SandboxPlan {
  readonly abi: number;
  readonly coverage: "full" | "partial" | "none";
  readonly rights: readonly {
    readonly name: LandlockRightName;
    readonly status: LandlockRightStatus;
    readonly reason?: string;
  }[];
  /** Each rule: added, or skipped with why (a rule whose rights this kernel does not handle). */
  readonly rules: readonly { readonly rule: string; readonly added: boolean; readonly reason?: string }[];
}

/**
 * Negotiates the policy's `landlock:` section with `port` and adds its rules, then closes the ruleset without
 * restricting: what `negotiate exec` would enforce there. Errors: the negotiation's (`unsupported` without
 * Landlock, `missing-required`, …) and `invalid-policy` for a policy without a landlock section.
 */
export function planSandbox(
  policy: MultiPolicy,
  port: LandlockPort,
): Result<SandboxPlan, NegotiationError<LandlockRightName> | NegotiationError> {
  const section = policy.landlock;
  if (!section)
    return err({ kind: "invalid-policy", issues: [], message: "the policy has no landlock: section" });
  return negotiateLandlock(section, { backend: port }).map((session) => {
    const plan: SandboxPlan = {
      abi: session.abi,
      coverage: session.coverage,
      rights: session.rights.map(({ name, status, reason }) => ({
        name,
        status,
        ...(reason === undefined ? {} : { reason }),
      })),
      rules: session.rules.map(({ rule, added, reason }) => ({
        rule: "path" in rule ? rule.path : `port ${rule.port}`,
        added,
        ...(reason === undefined ? {} : { reason }),
      })),
    };
    session.close();
    return plan;
  });
}

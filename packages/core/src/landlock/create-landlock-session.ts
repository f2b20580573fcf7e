import { err, ok, type Result } from "neverthrow";
import type { Errno } from "../errno.js";
import type { NegotiationError } from "../errors.js";
import { quoteText } from "../policy/quote-value.js";
import type { LandlockMasks } from "./landlock-definition.js";
import {
  landlockCallFailure,
  restrictFailure,
  sessionStateError,
  threadsUnconfined,
} from "./landlock-failures.js";
import {
  LANDLOCK_FILE_RIGHTS,
  type LandlockRightName,
  landlockAbi,
  landlockMasksOf,
  landlockRight,
  landlockRightNames,
} from "./landlock-lookup.js";
import type { LandlockPolicy, LandlockRuleSpec } from "./landlock-policy.js";
import type { LandlockPort, LandlockRule } from "./landlock-port.js";
import { type LandlockRightsSummary, summarizeLandlockRights } from "./landlock-right-reports.js";
import { type LandlockRulePlan, planLandlockRule } from "./landlock-rule-plan.js";
import type {
  LandlockCoverage,
  LandlockEnforcement,
  LandlockEnforceOptions,
  LandlockGrant,
  LandlockRightReport,
  LandlockRuleReport,
  LandlockSession,
} from "./landlock-session.js";

const TSYNC = landlockMasksOf(["TSYNC"])._unsafeUnwrap().restrict;
// A path that is not there has nothing beneath it to allow: skipping its rule denies what it would have allowed.
const ABSENT_PATH: ReadonlySet<Errno> = new Set(["ENOENT", "ENOTDIR"]);

type AnyPolicy = LandlockPolicy<LandlockRightName, LandlockRightName>;

/** One rule's outcome: its report, or the error that stops `addRules`. */
type RuleOutcome = Result<LandlockRuleReport, NegotiationError>;

class Session implements LandlockSession<LandlockRightName, LandlockRightName> {
  readonly abi: number;
  readonly errata: bigint;
  readonly handled: LandlockMasks;
  readonly rights: readonly LandlockRightReport[];
  readonly coverage: LandlockCoverage;
  readonly enabled: LandlockSession<LandlockRightName, LandlockRightName>["enabled"];
  readonly rules: LandlockRuleReport[] = [];
  readonly warnings: string[] = [];
  enforced = false;
  closed = false;
  private rulesetFd: number | undefined;

  constructor(
    private readonly port: LandlockPort,
    grant: LandlockGrant,
    private readonly policy: AnyPolicy,
    summary: LandlockRightsSummary,
  ) {
    this.rulesetFd = grant.rulesetFd;
    this.abi = grant.abi;
    this.errata = grant.errata;
    this.handled = grant.handled;
    this.rights = summary.rights;
    this.coverage = summary.coverage;
    this.enabled = summary.enabled as Session["enabled"];
    const negotiated = grant.warnings ?? [];
    this.warnings.push(...negotiated.map((warning) => warning.message));
    if (grant.rulesetFd === undefined && !negotiated.some((warning) => warning.code === "unconfined"))
      this.warnings.push(
        `Landlock is unavailable (${grant.unavailableReason ?? "nothing can be handled"}): the policy says unavailable: run-unconfined, so this program runs with no Landlock sandbox at all`,
      );
  }

  get fd(): number | undefined {
    return this.closed ? undefined : this.rulesetFd;
  }

  addRules(rules: readonly LandlockRuleSpec[]): Result<readonly LandlockRuleReport[], NegotiationError> {
    if (this.closed) return err(sessionStateError("addRules", this.enforced ? "enforced" : "closed"));
    if (!Array.isArray(rules)) {
      const message = "addRules takes a list of rules ({ path, allow } or { port, allow })";
      return err({ kind: "invalid-policy", issues: [{ path: "rules", message }], message });
    }
    const reports: LandlockRuleReport[] = [];
    for (const [index, rule] of rules.entries()) {
      const plan = planLandlockRule(rule, this.handled, `rules[${index}]`);
      if (plan.isErr())
        return err({ kind: "invalid-policy", issues: [plan.error], message: plan.error.message });
      const outcome = this.addRule(rule, plan.value);
      if (outcome.isErr()) return err(outcome.error);
      reports.push(outcome.value);
      this.rules.push(outcome.value);
      if (!outcome.value.added) this.warnings.push(outcome.value.reason!);
    }
    return ok(reports);
  }

  private addRule(rule: LandlockRuleSpec, plan: LandlockRulePlan): RuleOutcome {
    const fd = this.rulesetFd;
    const what =
      plan.type === "path" ? `the rule for path ${quoteText(plan.path)}` : `the rule for port ${plan.port}`;
    const skipped = (why: string): RuleOutcome =>
      ok({ rule, allowed: [], added: false, reason: `${what} is skipped: ${why}` });
    if (fd === undefined) return skipped("Landlock is unavailable and nothing is confined");
    if (plan.allowed === 0n)
      return skipped(`none of its rights (${rule.allow.join(", ") || "none"}) is handled by this ruleset`);
    if (plan.type === "port") {
      const added = this.port.addRule(fd, {
        type: "net-port",
        allowed: plan.allowed,
        port: BigInt(plan.port),
      });
      if (added.isErr())
        return err(landlockCallFailure("api", added.error.errno, `landlock_add_rule for ${what}`));
      return ok(this.report(rule, plan, plan.allowed, []));
    }
    const opened = this.port.openPath(plan.path);
    if (opened.isErr()) {
      const { errno } = opened.error;
      if (ABSENT_PATH.has(errno)) return skipped(`the path does not exist here (${errno})`);
      return err(landlockCallFailure("open", errno, `opening ${quoteText(plan.path)} (O_PATH) for ${what}`));
    }
    try {
      // The kernel refuses directory rights on a non-directory (EINVAL): a file keeps its file rights only.
      const allowed = opened.value.directory ? plan.allowed : plan.allowed & LANDLOCK_FILE_RIGHTS;
      const directoryOnly = landlockRightNames(this.masks("fs", plan.allowed & ~allowed));
      if (allowed === 0n)
        return skipped(
          `${quoteText(plan.path)} is not a directory, and its rights (${directoryOnly.join(", ")}) apply to directories only`,
        );
      const pathRule: LandlockRule = { type: "path-beneath", allowed, parentFd: opened.value.fd };
      const added = this.port.addRule(fd, pathRule);
      if (added.isErr())
        return err(landlockCallFailure("api", added.error.errno, `landlock_add_rule for ${what}`));
      return ok(this.report(rule, plan, allowed, directoryOnly));
    } finally {
      this.port.close(opened.value.fd);
    }
  }

  private report(
    rule: LandlockRuleSpec,
    plan: LandlockRulePlan,
    allowed: bigint,
    directoryOnly: readonly LandlockRightName[],
  ): LandlockRuleReport {
    const notes = [
      ...(plan.dropped.length > 0
        ? [`not handled by this ruleset, dropped: ${plan.dropped.join(", ")}`]
        : []),
      ...(directoryOnly.length > 0
        ? [`not a directory, directory-only rights dropped: ${directoryOnly.join(", ")}`]
        : []),
    ];
    return {
      rule,
      allowed: landlockRightNames(this.masks(plan.type === "path" ? "fs" : "net", allowed)),
      added: true,
      ...(notes.length > 0 ? { reason: notes.join("; ") } : {}),
    };
  }

  private masks(group: "fs" | "net", mask: bigint): LandlockMasks {
    return { fs: 0n, net: 0n, scope: 0n, restrict: 0n, rule: 0n, [group]: mask };
  }

  enforce(options: LandlockEnforceOptions = {}): Result<LandlockEnforcement, NegotiationError> {
    if (this.closed) return err(sessionStateError("enforce", this.enforced ? "enforced" : "closed"));
    const fd = this.rulesetFd;
    const counted = this.port.threadCount();
    const threads = counted.unwrapOr(0);
    if (fd === undefined) {
      this.closed = true;
      return ok({ restricted: false, allThreads: false, threads, warnings: [...this.warnings] });
    }
    try {
      const allThreads = (this.handled.restrict & TSYNC) !== 0n;
      const warnings: string[] = [];
      if (!allThreads && options.execNext !== true) {
        if (counted.isErr())
          return err(
            landlockCallFailure(
              "api",
              counted.error.errno,
              "counting this process's threads (/proc/self/task), without which restricting without TSYNC cannot be honest,",
            ),
          );
        if (threads > 1 && this.policy.threads !== "warn") return err(threadsUnconfined(threads, this.abi));
        if (threads > 1)
          warnings.push(
            `restricted the calling thread only: ${threads - 1} other threads of this process stay unconfined (no TSYNC before Landlock ABI 8; this kernel has ABI ${this.abi}); what Node runs on them (fs.readFile, dns.lookup, crypto and zlib jobs of the libuv pool) is not confined`,
          );
      }
      const noNewPrivs = this.port.setNoNewPrivs();
      const restricted = this.port.restrictSelf(fd, this.handled.restrict);
      if (restricted.isErr())
        return err(
          restrictFailure(
            restricted.error.errno,
            this.abi,
            noNewPrivs.isErr() ? noNewPrivs.error : undefined,
          ),
        );
      if (noNewPrivs.isErr())
        warnings.push(
          `no_new_privs could not be set (${noNewPrivs.error.errno}); restricted through CAP_SYS_ADMIN, so a setuid program run later gains its privileges (inside the sandbox)`,
        );
      this.enforced = true;
      this.warnings.push(...warnings);
      return ok({ restricted: true, allThreads, threads, warnings });
    } finally {
      this.close();
    }
  }

  close(): Result<void, NegotiationError> {
    if (this.closed) return ok(undefined);
    this.closed = true;
    const fd = this.rulesetFd;
    if (fd === undefined) return ok(undefined);
    const closed = this.port.close(fd);
    return closed.isOk()
      ? ok(undefined)
      : err(landlockCallFailure("api", closed.error.errno, `closing the ruleset fd ${fd}`));
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Why a grant cannot make a session under `policy`, which a negotiation never hands out; `undefined`: it can. */
function grantProblem(
  grant: LandlockGrant,
  policy: AnyPolicy,
  summary: LandlockRightsSummary,
): NegotiationError<LandlockRightName> | undefined {
  if (grant.rulesetFd === undefined && policy.unavailable !== "run-unconfined")
    return {
      kind: "unsupported",
      reason: "no-landlock",
      attempts: [],
      message: `the Landlock grant has no ruleset (${grant.unavailableReason ?? "Landlock unavailable"}) but the policy's unavailable is ${quoteText(String(policy.unavailable))}: only "run-unconfined" allows a session that confines nothing`,
    };
  const missing = summary.rights.filter((right) => right.required && right.status === "unavailable");
  if (grant.rulesetFd === undefined || missing.length === 0) return undefined;
  return {
    kind: "missing-required",
    missing: missing.map((right) => ({
      name: right.name,
      since: landlockAbi(landlockRight(right.name)!.abi)?.since ?? "?",
      reason: "unsupported",
    })),
    unmetGroups: [],
    message: `the Landlock grant does not handle the required ${missing.map((right) => right.name).join(", ")}: ${missing[0]!.reason}`,
  };
}

/**
 * The Landlock session of a negotiated `grant` (`negotiateLandlockGrant`) under `policy`: per-right reports,
 * `addRules`, `enforce()`. The session owns `grant.rulesetFd` from here on, errors included (it is closed then).
 * Errors, for a grant that does not fit the policy: `unsupported` (`no-landlock`: no ruleset, and the policy
 * does not say `unavailable: run-unconfined`), `missing-required` (a required right not handled).
 */
export function createLandlockSession<R extends LandlockRightName, O extends LandlockRightName>(
  port: LandlockPort,
  grant: LandlockGrant,
  policy: LandlockPolicy<R, O>,
): Result<LandlockSession<R, O>, NegotiationError<LandlockRightName>> {
  const summary = summarizeLandlockRights(grant, policy as AnyPolicy);
  const problem = grantProblem(grant, policy as AnyPolicy, summary);
  if (problem !== undefined) {
    if (grant.rulesetFd !== undefined) port.close(grant.rulesetFd);
    return err(problem);
  }
  return ok(new Session(port, grant, policy as AnyPolicy, summary) as unknown as LandlockSession<R, O>);
}

import type { Errno } from "../errno.js";
import type { NegotiationError, PermissionCause } from "../errors.js";
import { permissionHint } from "../errors.js";
import { unexpected } from "../negotiation/failures.js";
import { defineKernelInterface } from "../negotiation/kernel-interface.js";
import { PlanCache } from "../negotiation/negotiation-cache.js";
import type { NegotiationWarning, Route } from "../negotiation/negotiation-report.js";
import type { TraceEntry } from "../negotiation/trace.js";
import { LANDLOCK_ABIS, LANDLOCK_CATALOGUE } from "./landlock-catalogue.js";
import type { LandlockMasks } from "./landlock-definition.js";
import { masksOfSpace, namesOfSpace, spaceBitOf, spaceOfNames } from "./landlock-feature-space.js";
import type { LandlockRightName } from "./landlock-lookup.js";
import type { LandlockPolicy } from "./landlock-policy.js";
import { LANDLOCK_CHANNEL, type LandlockChannel, type LandlockPortCalls } from "./landlock-port-calls.js";
import type { LandlockGrant } from "./landlock-session.js";

/** What a Landlock negotiation hands on: the grant, and how it was reached. */
export interface LandlockNegotiation extends LandlockGrant {
  readonly route: Route | "unconfined";
  readonly trace: readonly TraceEntry[];
  readonly warnings: readonly NegotiationWarning<LandlockRightName>[];
  /** Optional rights the ruleset does not handle. */
  readonly missingOptional: readonly LandlockRightName[];
}

const releaseOfAbi = (abi: number): string => LANDLOCK_ABIS.find((row) => row.abi === abi)?.since ?? "?";

const NOT_BUILT = {
  kind: "not-built",
  config: "CONFIG_SECURITY_LANDLOCK",
  detail:
    "landlock_create_ruleset answered ENOSYS: the kernel is older than 5.13 or built without Landlock, or a sandbox (gVisor, an old container seccomp profile) answers ENOSYS for it",
} as const satisfies PermissionCause;
const DISABLED = {
  kind: "disabled",
  lsm: "landlock",
  detail: "landlock_create_ruleset answered EOPNOTSUPP: Landlock is built but not enabled at boot",
} as const satisfies PermissionCause;

/** Landlock as data plus its port: the catalogue's rows in one feature space, and how its refusals read. */
export const landlock = defineKernelInterface<LandlockChannel, LandlockNegotiation, never, LandlockPortCalls>(
  {
    name: "landlock",
    features: LANDLOCK_CATALOGUE.map((entry) => ({
      name: entry.name,
      mask: spaceBitOf(entry),
      since: `${releaseOfAbi(entry.abi)} (ABI ${entry.abi})`,
    })),
    rejectedWith: ["EINVAL", "E2BIG"],
    createSession(grant) {
      const port = grant.port;
      const probed = grant.known.probed.get(grant.channel.key);
      if (probed) port.remember(probed);
      // A one-shot request that succeeded asked nothing of the version yet: the report needs it.
      const abi = port.abi ?? port.version().unwrapOr(0);
      // What the kernel supports: the probed row, else this ABI's row (a request made before any query).
      const supported = probed?.features ?? (port.abi === undefined ? grant.supported : port.supported(abi));
      const masks = sessionMasks(grant.enabled, grant.wanted, supported);
      return {
        rulesetFd: grant.fd < 0 ? undefined : grant.fd,
        abi,
        errata: port.errata,
        supported: masks.supported,
        handled: masks.handled,
        wanted: masks.wanted,
        strategy: grant.strategy,
        route: grant.route,
        trace: grant.trace,
        warnings: grant.warnings as readonly NegotiationWarning<LandlockRightName>[],
        missingOptional: grant.missingOptional as readonly LandlockRightName[],
      };
    },
    // Everything but the ruleset and its trace is the outcome's and the probed answer's: the same again.
    // Field by field: a spread goes through a generic clone, which costs more than the fields.
    renewSession: (previous, fd, trace) => ({
      rulesetFd: fd < 0 ? undefined : fd,
      abi: previous.abi,
      errata: previous.errata,
      supported: previous.supported,
      handled: previous.handled,
      wanted: previous.wanted,
      strategy: previous.strategy,
      route: previous.route,
      trace,
      warnings: previous.warnings,
      missingOptional: previous.missingOptional,
    }),
    openRefused: (port, _channel, errno) =>
      unexpected(`the Landlock channel cannot be refused (${errno})`, errno, port.trace),
    allRefused: (_attempts, trace) => unexpected("the Landlock channel cannot be refused", undefined, trace),
    requestFailed(port, errno, features, trace): NegotiationError {
      if (features === 0n || errno === "ENOSYS" || errno === "EOPNOTSUPP" || errno === "EPERM")
        return unavailable(errno, trace);
      if (errno === "EINVAL" || errno === "E2BIG") {
        const names = namesOfSpace(features);
        return {
          kind: "kernel-rejected",
          errno,
          requested: names,
          requestedMask: features,
          trace,
          message: `the kernel refused the Landlock ruleset {${names.join(", ")}} with ${errno}; ${errno === "E2BIG" ? "it lacks a field of the ruleset struct" : "it does not say which right"}: use strategy probe (or onReject: probe) to narrow the request`,
        } as NegotiationError;
      }
      if (errno === "ENOMSG")
        return unexpected("the Landlock ruleset would handle nothing (ENOMSG)", errno, port.trace);
      return unexpected(`landlock_create_ruleset failed with ${errno}`, errno, trace);
    },
  },
);

/** Why Landlock cannot be used at all: `unsupported` (not built, off) or `permission-denied` (a filter). */
export function unavailable(errno: Errno, trace: readonly TraceEntry[]): NegotiationError {
  if (errno === "ENOSYS" || errno === "EOPNOTSUPP") {
    const cause = errno === "ENOSYS" ? NOT_BUILT : DISABLED;
    return {
      kind: "unsupported",
      reason: "no-landlock",
      errno,
      attempts: [],
      cause,
      hint: permissionHint(cause),
      trace,
      message: `Landlock is unavailable: ${cause.detail}`,
    };
  }
  const cause: PermissionCause = {
    kind: "filter",
    detail: `landlock_create_ruleset answered ${errno}: a seccomp filter (an old container profile) refuses the Landlock syscalls`,
  };
  return {
    kind: "permission-denied",
    errno,
    cause,
    hint: "allow landlock_create_ruleset, landlock_add_rule and landlock_restrict_self in the container's seccomp profile (Docker 20.10.18/23.0 and later do)",
    attempts: [],
    trace,
    message: `Landlock is refused: ${cause.detail}`,
  };
}

// A process negotiates the same section on the same kernel again and again: its masks are made once.
let lastMasks:
  | {
      readonly enabled: bigint;
      readonly wanted: bigint;
      readonly space: bigint;
      readonly masks: SessionMasks;
    }
  | undefined;
interface SessionMasks {
  readonly handled: LandlockMasks;
  readonly wanted: LandlockMasks;
  readonly supported: LandlockMasks;
}

function sessionMasks(enabled: bigint, wanted: bigint, supported: bigint): SessionMasks {
  const last = lastMasks;
  if (last && last.enabled === enabled && last.wanted === wanted && last.space === supported)
    return last.masks;
  const masks = {
    handled: masksOfSpace(enabled),
    wanted: masksOfSpace(wanted),
    supported: masksOfSpace(supported),
  };
  lastMasks = { enabled, wanted, space: supported, masks };
  return masks;
}

/** Plans of Landlock sections. */
export const landlockPlans = new PlanCache((policy: LandlockPolicy<LandlockRightName, LandlockRightName>) =>
  landlock.plan({
    required: spaceOfNames(policy.required),
    optional: spaceOfNames(policy.optional),
    forbidden: spaceOfNames(policy.forbidden),
    oneOf: [],
    channels: [LANDLOCK_CHANNEL],
    strategy: policy.strategy,
    onReject: policy.onReject,
    onMissingOptional: policy.onMissingOptional,
    verify: false,
  }),
);

import { isPermissionErrno } from "../errno.js";
import type { OpenAttempt } from "../errors.js";
import { unexpected } from "../negotiation/failures.js";
import { defineKernelInterface } from "../negotiation/kernel-interface.js";
import { PlanCache } from "../negotiation/negotiation-cache.js";
import type { Policy } from "../policy/policy.js";
import { OPEN_MODES, type OpenMode } from "./backend-port.js";
import type { FeatureName } from "./catalogue.js";
import { catalogue } from "./catalogue.js";
import { featureBit } from "./feature-lookup.js";
import type { PortCalls, UserfaultfdChannel } from "./port-calls.js";
import { createSession, type Session } from "./session.js";
import { kernelRejected, openCauseOf, openRefused, permissionDeniedAtApi } from "./userfaultfd-failures.js";

/** userfaultfd as data plus its port: the catalogue's rows and how its refusals read. */
export const userfaultfd = defineKernelInterface<
  UserfaultfdChannel,
  Session<FeatureName, FeatureName>,
  OpenAttempt,
  PortCalls
>({
  name: "userfaultfd",
  features: catalogue.map((entry) => ({
    name: entry.name,
    mask: featureBit(entry.name),
    since: entry.since,
    ...(entry.implies.length > 0
      ? { implies: entry.implies.reduce((mask, name) => mask | featureBit(name), 0n) }
      : {}),
    ...("capability" in entry ? { privileged: true } : {}),
  })),
  rejectedWith: ["EINVAL"],
  createSession,
  openRefused(port, channel, errno) {
    const mode = channel.key;
    if (isPermissionErrno(errno) || errno === "ENOSYS") {
      const cause = openCauseOf(port.backend, mode, errno);
      return { mode, errno, ...(cause ? { cause } : {}) };
    }
    if (errno === "ENOENT" || errno === "ENODEV" || errno === "EINVAL" || errno === "EOPNOTSUPP")
      return { mode, errno };
    return unexpected(`creating a uffd in ${mode} mode failed with ${errno}`, errno, port.trace);
  },
  allRefused: openRefused,
  requestFailed(port, errno, features, trace) {
    if (errno === "EPERM") return permissionDeniedAtApi(port.backend, features, errno, trace);
    if (errno === "EINVAL") return kernelRejected(errno, features, trace);
    return unexpected(`UFFDIO_API failed with ${errno}`, errno, trace);
  },
  privilegedDropped: () => ({
    code: "event-fork-dropped",
    message: "EVENT_FORK needs CAP_SYS_PTRACE, which this process lacks: requested without it",
    features: ["EVENT_FORK"],
  }),
  channelWarning: (channel) =>
    channel.fallback
      ? {
          code: "user-mode-only",
          message:
            "fell back to UFFD_USER_MODE_ONLY: faults raised while the kernel touches the range give SIGBUS/EFAULT instead of a message",
        }
      : undefined,
});

/** Plans of userfaultfd policies (and of the userfaultfd sections of version 2 policies). */
export const userfaultfdPlans = new PlanCache((policy: Policy<FeatureName, FeatureName>) =>
  userfaultfd.plan({
    required: policy.required.mask,
    optional: policy.optional.mask,
    forbidden: policy.forbidden.mask,
    oneOf: policy.oneOf,
    channels: openModesOf(policy).map((mode) => ({
      key: mode,
      mode,
      closeOnExec: policy.closeOnExec,
      nonBlocking: policy.nonBlocking,
      fallback: mode === "user-mode-only" && policy.open === "auto" && policy.userModeOnly === "allow",
    })),
    strategy: policy.strategy,
    onReject: policy.onReject,
    onMissingOptional: policy.onMissingOptional,
    verify: policy.verify,
  }),
);

// `userModeOnly: require` leaves only that mode; `forbid` removes it from `open: auto`.
function openModesOf(policy: Policy<FeatureName, FeatureName>): OpenMode[] {
  if (policy.userModeOnly === "require") return ["user-mode-only"];
  if (policy.open !== "auto") return [policy.open];
  return OPEN_MODES.filter((mode) => mode !== "user-mode-only" || policy.userModeOnly === "allow");
}

/** A userfaultfd request plus what the kernel enables along with it (WP_ASYNC brings WP_UNPOPULATED). */
export const withImplied = (request: bigint): bigint => userfaultfd.compiled.withImplied(request);

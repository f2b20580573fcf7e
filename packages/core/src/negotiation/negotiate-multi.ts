import { negotiateLandlock } from "@negotiate/core/landlock";
import { err, ok, type Result } from "neverthrow";
import type { NegotiationError } from "../errors.js";
import type { LandlockRightName } from "../landlock/landlock-lookup.js";
import type { LandlockPolicy } from "../landlock/landlock-policy.js";
import type { LandlockPort } from "../landlock/landlock-port.js";
import type { LandlockSession } from "../landlock/landlock-session.js";
import type { MultiPolicy } from "../policy/multi-policy.js";
import type { Policy } from "../policy/policy.js";
import type { Backend } from "../userfaultfd/backend-port.js";
import type { FeatureName } from "../userfaultfd/catalogue.js";
import type { Session } from "../userfaultfd/session.js";
import type { Knowledge } from "./negotiation-cache.js";

/** Where to negotiate each section of a version 2 policy. */
export interface MultiNegotiateOptions {
  /** The userfaultfd backend (`linuxBackend()`, `mockBackend()`); needed when the policy has a `userfaultfd` section. */
  readonly backend?: Backend;
  /** The Landlock port (`landlockBackend()`, `landlockMockBackend()`); needed when the policy has a `landlock` section. */
  readonly landlock?: LandlockPort;
  /** Where `auto` remembers what it learned; default: one shared by the whole process. */
  readonly knowledge?: Knowledge;
}

/**
 * One sub-session per section of the policy: `session.userfaultfd.enabled.THREAD_ID`,
 * `session.landlock.enabled.READ_FILE`. A section the policy's type declares is always there.
 */
export type MultiSession<P extends MultiPolicyOf> = (P extends {
  readonly userfaultfd: Policy<infer R, infer O>;
}
  ? { readonly userfaultfd: Session<R, O> }
  : { readonly userfaultfd?: Session<never, FeatureName> }) &
  (P extends { readonly landlock: LandlockPolicy<infer R, infer O> }
    ? { readonly landlock: LandlockSession<R, O> }
    : { readonly landlock?: LandlockSession<never, LandlockRightName> }) &
  MultiSessionBase;

/** What every multi-interface session has besides its sub-sessions. */
export interface MultiSessionBase extends Disposable {
  /** The policy's name, if it has one. */
  readonly name: string | undefined;
  /** Closes every sub-session (each once); the first failure is returned, the others are still closed. */
  close(): Result<void, NegotiationError>;
}

// biome-ignore lint/suspicious/noExplicitAny: any section types
export type MultiPolicyOf = MultiPolicy<any, any, any, any>;

type AnyError = NegotiationError<FeatureName | LandlockRightName>;

/**
 * Negotiates every section of a version 2 policy, in the order of `POLICY_SECTIONS`; a failure closes what
 * the earlier sections opened and names its interface (`error.interface`).
 */
export function negotiateMulti<P extends MultiPolicyOf>(
  policy: P,
  options: MultiNegotiateOptions,
  negotiateUserfaultfd: (
    section: Policy<FeatureName, FeatureName>,
    backend: Backend,
  ) => Result<Session<FeatureName, FeatureName>, NegotiationError>,
): Result<MultiSession<P>, AnyError> {
  // A userfaultfd section's backend was checked with the arguments (`negotiate`'s checkOptions).
  const missingPort =
    policy.landlock && !options.landlock
      ? "the policy has a landlock section: pass options.landlock (landlockBackend(), landlockMockBackend())"
      : undefined;
  if (missingPort)
    return err({
      kind: "backend-unavailable",
      backend: "(none)",
      reason: missingPort,
      message: `negotiate: ${missingPort}`,
    });
  let userfaultfd: Session<FeatureName, FeatureName> | undefined;
  if (policy.userfaultfd) {
    const negotiated = negotiateUserfaultfd(policy.userfaultfd, options.backend!);
    if (negotiated.isErr()) return err({ ...negotiated.error, interface: "userfaultfd" });
    userfaultfd = negotiated.value;
  }
  let landlock: LandlockSession<LandlockRightName, LandlockRightName> | undefined;
  if (policy.landlock) {
    const negotiated = negotiateLandlock(policy.landlock, {
      backend: options.landlock!,
      ...(options.knowledge ? { knowledge: options.knowledge } : {}),
    });
    if (negotiated.isErr()) {
      userfaultfd?.close();
      return err({ ...negotiated.error, interface: "landlock" } as AnyError);
    }
    landlock = negotiated.value;
  }
  return ok(new NegotiatedSessions(policy.name, userfaultfd, landlock) as unknown as MultiSession<P>);
}

class NegotiatedSessions implements MultiSessionBase {
  constructor(
    readonly name: string | undefined,
    readonly userfaultfd: Session<FeatureName, FeatureName> | undefined,
    readonly landlock: LandlockSession<LandlockRightName, LandlockRightName> | undefined,
  ) {
    Object.freeze(this);
  }

  close(): Result<void, NegotiationError> {
    const closed = [this.userfaultfd?.close(), this.landlock?.close()];
    return closed.find((result) => result?.isErr()) ?? ok(undefined);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toJSON(): object {
    return { name: this.name, userfaultfd: this.userfaultfd, landlock: this.landlock };
  }
}

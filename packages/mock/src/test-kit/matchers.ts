import type { NegotiationError, NegotiationErrorKind } from "@negotiate/core";
import type { Result } from "neverthrow";
import { expect, type MatcherState } from "vitest";
import { describeError, describeSession, type SessionSummary } from "./describe-outcome.js";

type AnyResult = Result<SessionSummary, NegotiationError>;

/** What a matcher returns to vitest. */
interface MatcherOutcome {
  readonly pass: boolean;
  readonly message: () => string;
}

// A neverthrow Result: an object with isOk/isErr methods (duck-typed, so that two copies of neverthrow agree).
function isResult(value: unknown): value is AnyResult {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { isOk?: unknown }).isOk === "function" &&
    typeof (value as { isErr?: unknown }).isErr === "function"
  );
}

function notAResult(state: MatcherState, matcher: string, received: unknown): MatcherOutcome {
  return {
    pass: state.isNot,
    message: () =>
      `${matcher}: expected the Result of negotiate() or probe(), got ${state.utils.printReceived(received)}`,
  };
}

function toNegotiate(this: MatcherState, received: unknown): MatcherOutcome {
  if (!isResult(received)) return notAResult(this, "toNegotiate", received);
  if (received.isOk()) {
    const session = received.value;
    return {
      pass: true,
      message: () => `expected the negotiation to fail, but it succeeded:\n${describeSession(session)}`,
    };
  }
  const error = received.error;
  return {
    pass: false,
    message: () => `expected the negotiation to succeed, but it failed:\n${describeError(error)}`,
  };
}

function toFailWith(
  this: MatcherState,
  received: unknown,
  kind: NegotiationErrorKind,
  fields?: Readonly<Record<string, unknown>>,
): MatcherOutcome {
  if (!isResult(received)) return notAResult(this, "toFailWith", received);
  const wanted = fields ? ` with ${this.utils.printExpected(fields)}` : "";
  if (received.isOk()) {
    const session = received.value;
    return {
      pass: false,
      message: () =>
        `expected the negotiation to fail with ${kind}${wanted}, but it succeeded:\n${describeSession(session)}`,
    };
  }
  const error = received.error;
  const sameKind = error.kind === kind;
  const pass = sameKind && (fields === undefined || this.equals(error, expect.objectContaining(fields)));
  return {
    pass,
    message: () =>
      pass
        ? `expected the negotiation not to fail with ${kind}${wanted}, but it did:\n${describeError(error)}`
        : sameKind
          ? `expected the ${kind} error to have ${this.utils.printExpected(fields)}, but it is:\n${describeError(error)}`
          : `expected the negotiation to fail with ${kind}${wanted}, but it failed with ${error.kind}:\n${describeError(error)}`,
  };
}

/**
 * Vitest matchers for the `Result` of `negotiate()` (and `probe()`); register them once with
 * `expect.extend(negotiateMatchers)` (in a test file or a `setupFiles` module).
 *
 * - `expect(result).toNegotiate()`: passes on `Ok`. On `Err` the failure prints the error's kind, message,
 *   cause, hint and the trace of every call, instead of neverthrow's "Called `_unsafeUnwrap` on an Err".
 * - `expect(result).toFailWith(kind, fields?)`: passes on an `Err` of that kind whose fields contain `fields`
 *   (as `expect.objectContaining(fields)` compares them). On `Ok` the failure prints what the session enabled and the trace.
 * Both work with `.not`. A value that is not a `Result` fails with a message that says so.
 */
export const negotiateMatchers = { toNegotiate, toFailWith };

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: an augmentation repeats vitest's own declaration, default included.
  interface Matchers<T = any> {
    /** The negotiation succeeded; otherwise the failure shows the error's kind, message, cause and trace. */
    toNegotiate(): T;
    /** The negotiation failed with `kind` (and an error containing `fields`); otherwise the failure shows why not. */
    toFailWith(kind: NegotiationErrorKind, fields?: Readonly<Record<string, unknown>>): T;
  }
}

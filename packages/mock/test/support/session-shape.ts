import type { FeatureName, NegotiationError, Session } from "@negotiate/core";
import type { Result } from "neverthrow";

/**
 * What a negotiation gave, comparable across negotiations: the session's sets, route and warnings and its calls
 * (op and result), or the error's kind and message; fd numbers left out (each negotiation has its own). Closes
 * the session.
 */
export function sessionShapeOf(
  result: Result<Session<never, FeatureName>, NegotiationError>,
): Record<string, unknown> {
  if (result.isErr()) return { error: result.error.kind, message: result.error.message.replace(/\d+/g, "#") };
  const session = result.value;
  const shape = {
    enabled: session.enabledSet.names(),
    supported: session.supported.names(),
    requested: session.requested.names(),
    missingOptional: [...session.missingOptional],
    ioctls: session.ioctls,
    open: session.open,
    route: session.route,
    strategy: session.strategy,
    warnings: session.warnings.map((warning) => warning.code),
    trace: session.trace.map((entry) => `${entry.op}:${entry.result}`),
  };
  session.close();
  return shape;
}

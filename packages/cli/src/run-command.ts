import {
  type FeatureName,
  featureDefinition,
  kernelAtLeast,
  loadPolicy,
  negotiate,
  type Policy,
  parseKernelRelease,
  type Session,
} from "@negotiate/core";
import type { BackendFlags } from "./backend-options.js";
import { backendFromFlags, realKernelHint } from "./backend-selection.js";
import { EXIT, type ExitCode } from "./cli-error.js";
import { reportFailure } from "./error-text.js";
import { explainTrace, openCall } from "./explain.js";
import { writeJson } from "./json-output.js";
import {
  backendLabel,
  type Cell,
  type CliIo,
  renderFields,
  renderTable,
  type Style,
  styleFor,
} from "./output.js";

/** The flags of `negotiate run`. */
export interface RunFlags extends BackendFlags {
  readonly policy: string;
  readonly explain?: boolean;
  readonly json?: boolean;
}

// A policy read from a file has no names known to the type system.
type AnyPolicy = Policy<never, FeatureName>;
type AnySession = Session<never, FeatureName>;

/** One feature the policy names (or the kernel enabled along with one): how it was wanted and what came of it. */
interface FeatureOutcome {
  readonly name: FeatureName;
  /** `required`, `optional`, `one of A | B` (a `oneOf` alternative), or `implied by X`. */
  readonly wanted: string;
  readonly enabled: boolean;
  /** Why it is not enabled. */
  readonly reason?: string;
  /** For a `oneOf` alternative not requested: the preferred alternative that is enabled instead. */
  readonly preferred?: FeatureName;
}

// Why a feature is not in the supported set: too old a release, or a build/architecture without its support.
function unsupportedReason(name: FeatureName, session: AnySession): string {
  const definition = featureDefinition(name);
  const release = parseKernelRelease(session.backend.kernelRelease ?? "");
  if (!release.isOk() || !kernelAtLeast(release.value, definition.since))
    return `added in ${definition.since}`;
  return definition.needs.length > 0
    ? `this build or architecture lacks ${definition.needs.join(", ")}`
    : "this kernel does not offer it";
}

// Why an optional feature (or group alternative) is not enabled, from what the session tells.
function missingReason(
  name: FeatureName,
  policy: AnyPolicy,
  session: AnySession,
): { readonly reason: string; readonly preferred?: FeatureName } {
  const warning = session.warnings.find((entry) => entry.features?.includes(name));
  if (warning?.code === "event-fork-dropped")
    return { reason: "needs CAP_SYS_PTRACE, which this process lacks" };
  const unsupported = session.supported.has(name) ? undefined : unsupportedReason(name, session);
  if (warning?.code === "dropped-by-kernel") {
    return {
      reason: `the kernel accepted the request but did not enable it${unsupported ? `: ${unsupported}` : ""}`,
    };
  }
  if (unsupported) return { reason: `not supported: ${unsupported}` };
  if (session.requested.has(name)) return { reason: "not enabled" };
  const preferred = policy.oneOf
    .find((group) => group.includes(name))
    ?.find((other) => session.enabledSet.has(other));
  return preferred
    ? { reason: `not requested: ${preferred}, preferred in its group, is enabled`, preferred }
    : { reason: "not requested" };
}

/** Every feature the policy names, in policy order, then what the kernel enabled along with them. */
function featureOutcomes(policy: AnyPolicy, session: AnySession): FeatureOutcome[] {
  const wanted = new Map<FeatureName, string>();
  for (const name of policy.required.names()) wanted.set(name, "required");
  for (const group of policy.oneOf) {
    for (const name of group)
      if (!policy.forbidden.has(name)) wanted.set(name, `one of ${group.join(" | ")}`);
  }
  for (const name of policy.optional.names()) if (!policy.forbidden.has(name)) wanted.set(name, "optional");
  for (const name of session.enabledSet.names()) {
    if (wanted.has(name)) continue;
    const by = session.requested.names().find((asked) => featureDefinition(asked).implies.includes(name));
    wanted.set(name, by ? `implied by ${by}` : "enabled by the kernel");
  }
  return [...wanted].map(([name, how]) =>
    session.enabledSet.has(name)
      ? { name, wanted: how, enabled: true }
      : { name, wanted: how, enabled: false, ...missingReason(name, policy, session) },
  );
}

/** The `run --json` document of a successful negotiation. */
function runJson(policy: AnyPolicy, session: AnySession, explain: boolean) {
  return {
    ok: true,
    ...(policy.name === undefined ? {} : { policy: policy.name }),
    backend: session.backend,
    strategy: session.strategy,
    route: session.route,
    open: session.open,
    fd: session.fd,
    requested: session.requested,
    enabled: session.enabledSet,
    supported: session.supported,
    missingOptional: session.missingOptional,
    ioctls: session.ioctls,
    features: featureOutcomes(policy, session),
    warnings: session.warnings,
    trace: session.trace,
    ...(explain ? { explanation: explainTrace(session.trace) } : {}),
  };
}

function runText(
  file: string,
  policy: AnyPolicy,
  session: AnySession,
  explain: boolean,
  style: Style,
): string {
  const { backend } = session;
  const outcomes = featureOutcomes(policy, session);
  const fields = renderFields(
    [
      ["policy", policy.name ? `${policy.name} (${file})` : file],
      ["backend", backendLabel(backend)],
      ["strategy", `${session.strategy}, route ${session.route}`],
      [
        "open",
        `${session.open}: ${openCall(session.open, policy.closeOnExec, policy.nonBlocking)} → fd ${session.fd}`,
      ],
      ["enabled", `${session.enabledSet} (${session.enabledSet.hex()})`],
      ["ioctls", `0x${session.ioctls.toString(16)}`],
    ],
    style,
  );
  const rows: Cell[][] = outcomes.map((outcome) => [
    outcome.name,
    outcome.wanted,
    outcome.enabled
      ? { text: "enabled", tone: "ok" }
      : outcome.preferred
        ? { text: outcome.reason ?? "not requested", tone: "dim" }
        : { text: `missing: ${outcome.reason}`, tone: outcome.wanted === "optional" ? "warn" : "dim" },
  ]);
  const table = rows.length ? `\n\n${renderTable(["FEATURE", "WANTED", "RESULT"], rows, style)}` : "";
  const warnings = session.warnings.length
    ? `\n\n${style.paint("warnings", "warn")}\n${session.warnings.map((warning) => `  - ${warning.message}`).join("\n")}`
    : "";
  const steps = explain
    ? `\n\n${style.paint("steps", "strong")}\n${explainTrace(session.trace).join("\n")}`
    : "";
  const enabledCount = outcomes.filter((outcome) => outcome.enabled).length;
  const missingCount = session.missingOptional.length;
  const summary = style.paint(
    `negotiated: ${enabledCount} features enabled${missingCount ? `, ${missingCount} optional missing` : ""}`,
    "ok",
  );
  return `${summary}\n${fields}${table}${warnings}${steps}\n`;
}

/** `negotiate run`: negotiates a policy file with the chosen backend, then closes the fd. */
export async function runCommand(flags: RunFlags, io: CliIo): Promise<ExitCode> {
  const policy = loadPolicy(flags.policy);
  if (policy.isErr()) return reportFailure(policy.error, io, flags.json);
  const backend = await backendFromFlags(flags);
  const negotiated = backend.andThen((chosen) => negotiate(policy.value, { backend: chosen }));
  if (negotiated.isErr()) {
    const error = negotiated.error;
    const code = reportFailure(
      error,
      io,
      flags.json,
      realKernelHint(
        error,
        flags,
        `run --policy ${flags.policy}`,
        backend.isOk() ? backend.value.info : undefined,
      ),
    );
    if (flags.explain && !flags.json && "trace" in error && error.trace?.length) {
      const style = styleFor(io.stderr, io.env);
      io.stderr.write(`\n${style.paint("steps", "strong")}\n${explainTrace(error.trace).join("\n")}\n`);
    }
    return code;
  }
  const session = negotiated.value;
  // The CLI only reports: the fd is closed before printing, so the trace ends with its close.
  const closed = session.close();
  if (closed.isErr()) return reportFailure(closed.error, io, flags.json);
  if (flags.json) writeJson(io.stdout, runJson(policy.value, session, flags.explain === true));
  else
    io.stdout.write(
      runText(flags.policy, policy.value, session, flags.explain === true, styleFor(io.stdout, io.env)),
    );
  return EXIT.ok;
}

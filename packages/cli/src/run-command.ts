import { resolve } from "node:path";
import {
  explainTrace,
  type FeatureName,
  featureDefinition,
  kernelAtLeast,
  loadMultiPolicy,
  type NegotiationWarning,
  negotiate,
  openCall,
  originsOf,
  type Policy,
  parseKernelRelease,
  type Session,
} from "@negotiate/core";
import { type LandlockRightName, type LandlockSession, negotiateLandlock } from "@negotiate/core/landlock";
import type { BackendFlags } from "./backend-options.js";
import { backendFromFlags, realKernelHint } from "./backend-selection.js";
import { type CliError, EXIT, type ExitCode } from "./cli-error.js";
import { reportFailure } from "./error-text.js";
import { ioctlsText } from "./ioctl-names.js";
import { writeJson } from "./json-output.js";
import { landlockPortFromFlags } from "./landlock-port-selection.js";
import { landlockRunJson, landlockRunText } from "./landlock-run.js";
import {
  backendLabel,
  type Cell,
  type CliIo,
  renderFields,
  renderTable,
  type Style,
  styleFor,
} from "./output.js";
import { escapeValue } from "./terminal-text.js";

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
  /** `required`, `optional`, `one of A | B` (a `oneOf` alternative), `forbidden`, or `implied by X`. */
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
  if (policy.forbidden.has(name)) return { reason: "not requested: the policy forbids it" };
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
  for (const name of policy.forbidden.names()) wanted.set(name, "forbidden");
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

/** The settings another document set (an `extends` file or preset), with where: `strategy → preset:lazy-restore`. */
function inheritedFrom(file: string, policy: AnyPolicy): Map<string, string> {
  const own = resolve(file);
  const from = new Map<string, string>();
  for (const [field, origin] of originsOf(policy)?.fields ?? []) {
    const site = origin.site.file;
    // minKernel only serves the lints: it changes nothing in a negotiation.
    if (field !== "minKernel" && site !== undefined && site !== file && resolve(site) !== own)
      from.set(field, site);
  }
  return from;
}

/**
 * The warnings as the text shows them, one per cause: a feature another warning already explains (EVENT_FORK
 * dropped for lack of CAP_SYS_PTRACE) is left out of the generic "optional features not available" one.
 */
function warningLines(warnings: readonly NegotiationWarning[]): string[] {
  const explained = new Set(
    warnings
      .filter((warning) => warning.code !== "missing-optional")
      .flatMap((warning) => warning.features ?? []),
  );
  return warnings.flatMap((warning) => {
    if (warning.code !== "missing-optional") return [warning.message];
    const rest = (warning.features ?? []).filter((name) => !explained.has(name));
    return rest.length ? [`optional features not available: ${rest.join(", ")}`] : [];
  });
}

function runText(flags: RunFlags, policy: AnyPolicy, session: AnySession, style: Style): string {
  const outcomes = featureOutcomes(policy, session);
  const inherited = inheritedFrom(flags.policy, policy);
  const strategyFrom = inherited.get("strategy");
  const others = [...inherited].filter(([field]) => field !== "strategy");
  const fields = renderFields(
    [
      ["policy", policy.name ? `${policy.name} (${flags.policy})` : flags.policy],
      ["backend", backendLabel(session.backend)],
      ...(flags.profile === undefined ? [] : [["profile", `${flags.profile} (replayed)`] as const]),
      [
        "strategy",
        `${session.strategy}${strategyFrom ? ` (from ${strategyFrom})` : ""}, route ${session.route}`,
      ],
      ["open", `${session.open}: ${openCall(session.open, policy.closeOnExec, policy.nonBlocking)}`],
      ["enabled", `${session.enabledSet} (${session.enabledSet.hex()})`],
      ["ioctls", ioctlsText(session.ioctls)],
      ...(others.length
        ? [
            [
              "inherited",
              others
                .map(([field, site]) => `${field} ${String(policy[field as keyof AnyPolicy])} (from ${site})`)
                .join(", "),
            ] as const,
          ]
        : []),
    ],
    style,
  );
  const rows: Cell[][] = outcomes.map((outcome) => [
    outcome.name,
    outcome.wanted,
    outcome.enabled
      ? { text: "enabled", tone: "ok" }
      : outcome.preferred || outcome.wanted === "forbidden"
        ? { text: outcome.reason ?? "not requested", tone: "dim" }
        : { text: `missing: ${outcome.reason}`, tone: outcome.wanted === "optional" ? "warn" : "dim" },
  ]);
  const table = rows.length ? `\n\n${renderTable(["FEATURE", "WANTED", "RESULT"], rows, style)}` : "";
  const warnings = warningLines(session.warnings);
  const warningText = warnings.length
    ? `\n\n${style.paint("warnings", "warn")}\n${warnings.map((warning) => `  - ${escapeValue(warning)}`).join("\n")}`
    : "";
  const steps = flags.explain
    ? `\n\n${style.paint("steps", "strong")}\n${explainTrace(session.trace).join("\n")}`
    : "";
  const enabledCount = outcomes.filter((outcome) => outcome.enabled).length;
  const missingCount = session.missingOptional.length;
  const summary = style.paint(
    `negotiated: ${enabledCount} features enabled${missingCount ? `, ${missingCount} optional missing` : ""}`,
    "ok",
  );
  return `${summary}\n${fields}${table}${warningText}${steps}\n`;
}

/** `negotiate run`: negotiates every section of a policy file with the chosen backends, then closes the fds. */
export async function runCommand(flags: RunFlags, io: CliIo): Promise<ExitCode> {
  const loaded = loadMultiPolicy(flags.policy);
  if (loaded.isErr()) return reportFailure(loaded.error, io, flags.json);
  const { userfaultfd: policy, landlock: landlockPolicy } = loaded.value;
  let session: AnySession | undefined;
  if (policy) {
    const backend = await backendFromFlags(flags);
    const negotiated = backend.andThen((chosen) => negotiate(policy, { backend: chosen }));
    if (negotiated.isErr()) {
      const error = negotiated.error;
      const code = reportFailure(
        error,
        io,
        flags.json,
        realKernelHint(error, flags, `run ${flags.policy}`, backend.isOk() ? backend.value.info : undefined),
      );
      if (flags.explain && !flags.json && "trace" in error && error.trace?.length) {
        const style = styleFor(io.stderr, io.env);
        io.stderr.write(`\n${style.paint("steps", "strong")}\n${explainTrace(error.trace).join("\n")}\n`);
      }
      return code;
    }
    session = negotiated.value;
    // The CLI only reports: the fd is closed before printing, so the trace ends with its close.
    const closed = session.close();
    if (closed.isErr()) return reportFailure(closed.error, io, flags.json);
  }
  let landlock: LandlockSession<never, LandlockRightName> | undefined;
  let landlockNote: string | undefined;
  if (landlockPolicy) {
    const chosen = await landlockPortFromFlags(flags);
    if (chosen.isErr()) return reportFailure(chosen.error, io, flags.json);
    if (chosen.value.kind === "none") landlockNote = chosen.value.note;
    else {
      const negotiated = negotiateLandlock(landlockPolicy, { backend: chosen.value.port });
      if (negotiated.isErr())
        return reportFailure({ ...negotiated.error, interface: "landlock" } as CliError, io, flags.json);
      landlock = negotiated.value;
      // `run` reports and never restricts: the ruleset is closed unenforced.
      landlock.close();
    }
  }
  const name = loaded.value.name ?? policy?.name;
  if (flags.json) {
    writeJson(io.stdout, {
      ...(session && policy
        ? runJson(policy, session, flags.explain === true)
        : { ok: true, ...(name === undefined ? {} : { policy: name }) }),
      ...(landlock ? { landlock: landlockRunJson(landlock) } : {}),
      ...(landlockNote ? { landlock: { note: landlockNote } } : {}),
    });
    return EXIT.ok;
  }
  const style = styleFor(io.stdout, io.env);
  const parts = [
    session && policy
      ? runText(flags, policy, session, style)
      : `${style.paint("negotiated", "ok")}\n${renderFields([["policy", name ? `${name} (${flags.policy})` : flags.policy]], style)}\n`,
    ...(landlock ? [landlockRunText(landlock, style)] : []),
    ...(landlockNote ? [`landlock: ${escapeValue(landlockNote)}\n`] : []),
  ];
  io.stdout.write(parts.join("\n"));
  return EXIT.ok;
}

import {
  type Backend,
  type Capabilities,
  catalogue,
  FeatureSet,
  type NegotiationError,
  type OpenModeReport,
  permissionHint,
  probe,
  UFFD_API,
} from "@negotiate/core/engine";
import type { Result } from "neverthrow";
import type { BackendFlags } from "./backend-options.js";
import { backendFromFlags, realKernelHint } from "./backend-selection.js";
import { type CliError, EXIT, type ExitCode, exitCodeOf } from "./cli-error.js";
import { openRefusal } from "./explain.js";
import { ioctlsText } from "./ioctl-names.js";
import { writeJson } from "./json-output.js";
import { type LandlockSection, landlockSectionFromFlags, landlockText } from "./landlock-probe.js";
import {
  backendLabel,
  type Cell,
  type CliIo,
  renderFields,
  renderTable,
  type Style,
  styleFor,
} from "./output.js";

/** The flags of `negotiate probe`. */
export interface ProbeFlags extends BackendFlags {
  readonly json?: boolean;
}

/** Whether this caller may enable EVENT_FORK: `false` when the kernel answers EPERM (no CAP_SYS_PTRACE). */
type EventForkAccess = boolean | undefined;

const EVENT_FORK = FeatureSet.of("EVENT_FORK");

/**
 * Asks the kernel for EVENT_FORK alone on a fresh fd of the mode that worked, then closes it: the only way to
 * learn whether the capability check lets this caller have it. `undefined` when the question cannot be asked.
 */
function eventForkAccess(backend: Backend, capabilities: Capabilities): EventForkAccess {
  if (!capabilities.supported.covers(EVENT_FORK)) return undefined;
  const fd = backend.open({ mode: capabilities.probedWith, closeOnExec: true, nonBlocking: true });
  if (fd.isErr()) return undefined;
  const reply = backend.api(fd.value, UFFD_API, EVENT_FORK.mask);
  backend.close(fd.value);
  if (reply.isOk()) return true;
  return reply.error.errno === "EPERM" ? false : undefined;
}

function openModeJson(report: OpenModeReport) {
  if (report.ok) return report;
  return {
    ...report,
    reason: openRefusal(report.mode, report.errno, report.cause),
    ...(report.cause ? { hint: permissionHint(report.cause) } : {}),
  };
}

/** What is known of each feature: supported or not (`undefined`: no fd could be opened to ask). */
function featuresJson(supported: FeatureSet | undefined, eventFork: EventForkAccess) {
  return catalogue.map((entry) => ({
    name: entry.name,
    bit: entry.bit,
    supported: supported ? supported.has(entry.name) : null,
    since: entry.since,
    description: entry.description,
    ...("capability" in entry ? { capability: entry.capability } : {}),
    ...(entry.name === "EVENT_FORK" && eventFork !== undefined ? { granted: eventFork } : {}),
  }));
}

/** The `landlock` member of `probe --json`: the probe, or `{ error }` when Landlock could not be probed. */
function landlockJson(section: Result<LandlockSection, CliError>) {
  return section.isOk() ? section.value : { error: section.error };
}

/** The `probe --json` document. */
function probeJson(
  capabilities: Capabilities,
  eventFork: EventForkAccess,
  landlock: Result<LandlockSection, CliError>,
) {
  const { supported } = capabilities;
  return {
    ok: true,
    backend: capabilities.backend,
    supported,
    supportedMask: supported.mask,
    unknownBits: supported.unknownBits(),
    ioctls: capabilities.ioctls,
    probedWith: capabilities.probedWith,
    features: featuresJson(supported, eventFork),
    openModes: capabilities.openModes.map(openModeJson),
    landlock: landlockJson(landlock),
    trace: capabilities.trace,
  };
}

function featureTable(supported: FeatureSet | undefined, eventFork: EventForkAccess, style: Style): string {
  const supportedCell = (name: (typeof catalogue)[number]["name"]): Cell => {
    if (!supported) return { text: "unknown", tone: "dim" };
    if (!supported.has(name)) return { text: "no", tone: "bad" };
    return name === "EVENT_FORK" && eventFork === false
      ? { text: "needs CAP_SYS_PTRACE", tone: "warn" }
      : { text: "yes", tone: "ok" };
  };
  return renderTable(
    ["FEATURE", "BIT", "SUPPORTED", "SINCE", "DESCRIPTION"],
    [
      ...catalogue.map((entry) => [
        entry.name,
        String(entry.bit).padStart(3),
        supportedCell(entry.name),
        entry.since,
        "capability" in entry ? `${entry.description} Needs ${entry.capability}.` : entry.description,
      ]),
      ...(supported?.unknownBits() ?? []).map((bit) => [
        `bit ${bit}`,
        String(bit).padStart(3),
        { text: "yes", tone: "warn" as const },
        "?",
        "unknown to this SDK",
      ]),
    ],
    style,
  );
}

function openModeText(openModes: readonly OpenModeReport[], style: Style): string {
  const modes = renderTable(
    ["OPEN MODE", "WORKS", "WHY NOT"],
    openModes.map((report) =>
      report.ok
        ? [report.mode, { text: "yes", tone: "ok" as const }, ""]
        : [
            report.mode,
            { text: "no", tone: "bad" as const },
            openRefusal(report.mode, report.errno, report.cause),
          ],
    ),
    style,
  );
  const hints = openModes.flatMap((report) =>
    !report.ok && report.cause ? [`${report.mode}: ${permissionHint(report.cause)}`] : [],
  );
  const hintText = hints.length
    ? `\n\n${style.paint("hints", "strong")}\n${hints.map((hint) => `  ${hint}`).join("\n")}`
    : "";
  return `${modes}${hintText}`;
}

function probeText(capabilities: Capabilities, eventFork: EventForkAccess, style: Style): string {
  const { supported, backend } = capabilities;
  const header = renderFields(
    [
      ["backend", backendLabel(backend)],
      ["supported", `${supported.hex()} (probed on a ${capabilities.probedWith} fd)`],
      ["ioctls", ioctlsText(capabilities.ioctls)],
    ],
    style,
  );
  return `${header}\n\n${featureTable(supported, eventFork, style)}\n\n${openModeText(capabilities.openModes, style)}\n`;
}

// When every open mode was refused, the refusals are what the probe learned.
function refusedModes(error: NegotiationError): OpenModeReport[] | undefined {
  if (error.kind !== "permission-denied" && error.kind !== "unsupported") return undefined;
  if (error.attempts.length === 0) return undefined;
  return error.attempts.map((attempt) => ({ ...attempt, ok: false as const }));
}

/** `negotiate probe`: what this kernel (or the simulated one) offers this user. */
export async function probeCommand(flags: ProbeFlags, io: CliIo): Promise<ExitCode> {
  const backend = await backendFromFlags(flags);
  // The text of a failure (error-text.ts, and the core's policy code it needs) is loaded only for one.
  if (backend.isErr()) {
    const { reportFailure } = await import("./error-text.js");
    return reportFailure(backend.error, io, flags.json, realKernelHint(backend.error, flags, "probe"));
  }
  const result = probe({ backend: backend.value });
  const landlock = await landlockSectionFromFlags(flags);
  if (result.isErr()) {
    const modes = refusedModes(result.error);
    if (modes && flags.json) {
      const { error } = result;
      const hint = realKernelHint(error, flags, "probe", backend.value.info);
      writeJson(io.stdout, {
        ok: false,
        error,
        ...(hint ? { hint } : {}),
        backend: backend.value.info,
        features: featuresJson(undefined, undefined),
        openModes: modes.map(openModeJson),
        landlock: landlockJson(landlock),
      });
      return EXIT.failed;
    }
    if (modes) {
      const style = styleFor(io.stdout, io.env);
      const header = renderFields(
        [
          ["backend", backendLabel(backend.value.info)],
          ["supported", "unknown: no open mode works for this caller"],
        ],
        style,
      );
      io.stdout.write(
        `${header}\n\n${featureTable(undefined, undefined, style)}\n\n${openModeText(modes, style)}\n\n${landlockText(landlock, style)}`,
      );
      // The tables said why each mode failed: the error is one line.
      const stderrStyle = styleFor(io.stderr, io.env);
      const hint = realKernelHint(result.error, flags, "probe", backend.value.info);
      io.stderr.write(
        `${stderrStyle.paint("error:", "bad")} no open mode works for this caller (see OPEN MODE above)\n${hint ? `${stderrStyle.paint(hint, "warn")}\n` : ""}`,
      );
      return exitCodeOf(result.error);
    }
    const { reportFailure } = await import("./error-text.js");
    return reportFailure(
      result.error,
      io,
      flags.json,
      realKernelHint(result.error, flags, "probe", backend.value.info),
    );
  }
  const eventFork = eventForkAccess(backend.value, result.value);
  if (flags.json) writeJson(io.stdout, probeJson(result.value, eventFork, landlock));
  else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(`${probeText(result.value, eventFork, style)}\n${landlockText(landlock, style)}`);
  }
  return EXIT.ok;
}

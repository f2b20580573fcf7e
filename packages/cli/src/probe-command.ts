import {
  type Capabilities,
  catalogue,
  type OpenModeReport,
  permissionHint,
  probe,
} from "@negotiate/core/engine";
import type { BackendFlags } from "./backend-options.js";
import { backendFromFlags, realKernelHint } from "./backend-selection.js";
import { EXIT, type ExitCode } from "./cli-error.js";
import { reportFailure } from "./error-text.js";
import { openRefusal } from "./explain.js";
import { writeJson } from "./json-output.js";
import { backendLabel, type CliIo, renderFields, renderTable, type Style, styleFor } from "./output.js";

/** The flags of `negotiate probe`. */
export interface ProbeFlags extends BackendFlags {
  readonly json?: boolean;
}

function openModeJson(report: OpenModeReport) {
  if (report.ok) return report;
  return {
    ...report,
    reason: openRefusal(report.mode, report.errno, report.cause),
    ...(report.cause ? { hint: permissionHint(report.cause) } : {}),
  };
}

/** The `probe --json` document. */
function probeJson(capabilities: Capabilities) {
  const { supported } = capabilities;
  return {
    ok: true,
    backend: capabilities.backend,
    supported,
    supportedMask: supported.mask,
    unknownBits: supported.unknownBits(),
    ioctls: capabilities.ioctls,
    probedWith: capabilities.probedWith,
    features: catalogue.map((entry) => ({
      name: entry.name,
      bit: entry.bit,
      supported: supported.has(entry.name),
      since: entry.since,
      description: entry.description,
      ...("capability" in entry ? { capability: entry.capability } : {}),
    })),
    openModes: capabilities.openModes.map(openModeJson),
    trace: capabilities.trace,
  };
}

function probeText(capabilities: Capabilities, style: Style): string {
  const { supported, backend } = capabilities;
  const header = renderFields(
    [
      ["backend", backendLabel(backend)],
      ["supported", `${supported.hex()} (probed on a ${capabilities.probedWith} fd)`],
      ["ioctls", `0x${capabilities.ioctls.toString(16)}`],
    ],
    style,
  );
  const features = renderTable(
    ["FEATURE", "BIT", "SUPPORTED", "SINCE", "DESCRIPTION"],
    [
      ...catalogue.map((entry) => [
        entry.name,
        String(entry.bit).padStart(3),
        supported.has(entry.name)
          ? { text: "yes", tone: "ok" as const }
          : { text: "no", tone: "bad" as const },
        entry.since,
        "capability" in entry ? `${entry.description} Needs ${entry.capability}.` : entry.description,
      ]),
      ...supported
        .unknownBits()
        .map((bit) => [
          `bit ${bit}`,
          String(bit).padStart(3),
          { text: "yes", tone: "warn" as const },
          "?",
          "unknown to this SDK",
        ]),
    ],
    style,
  );
  const modes = renderTable(
    ["OPEN MODE", "WORKS", "WHY NOT"],
    capabilities.openModes.map((report) =>
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
  const hints = capabilities.openModes.flatMap((report) =>
    !report.ok && report.cause ? [`${report.mode}: ${permissionHint(report.cause)}`] : [],
  );
  const hintText = hints.length
    ? `\n\n${style.paint("hints", "strong")}\n${hints.map((hint) => `  ${hint}`).join("\n")}`
    : "";
  return `${header}\n\n${features}\n\n${modes}${hintText}\n`;
}

/** `negotiate probe`: what this kernel (or the simulated one) offers this user. */
export async function probeCommand(flags: ProbeFlags, io: CliIo): Promise<ExitCode> {
  const backend = await backendFromFlags(flags);
  const result = backend.andThen((chosen) => probe({ backend: chosen }));
  if (result.isErr())
    return reportFailure(
      result.error,
      io,
      flags.json,
      realKernelHint(result.error, flags, "probe", backend.isOk() ? backend.value.info : undefined),
    );
  if (flags.json) writeJson(io.stdout, probeJson(result.value));
  else io.stdout.write(probeText(result.value, styleFor(io.stdout, io.env)));
  return EXIT.ok;
}

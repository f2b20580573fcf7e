import type { Errno, PermissionCause } from "@negotiate/core";
import { permissionHint } from "@negotiate/core/engine";
import {
  type CapturedLandlock,
  captureLandlock,
  erratumBit,
  LANDLOCK_ABIS,
  LANDLOCK_CATALOGUE,
  LANDLOCK_ERRATA,
  LANDLOCK_GROUPS,
  type LandlockGroup,
  type LandlockPort,
  type LandlockRightName,
  landlockUnavailable,
  NEWEST_LANDLOCK_ABI,
} from "@negotiate/core/landlock";
import type { MockLandlockPort } from "@negotiate/mock";
import { err, ok, type Result } from "neverthrow";
import type { BackendFlags } from "./backend-options.js";
import type { CliError } from "./cli-error.js";
import { landlockPortFromFlags } from "./landlock-port-selection.js";
import { backendLabel, type Cell, renderFields, renderTable, type Style } from "./output.js";
import { escapeValue } from "./terminal-text.js";

/** One right or flag and whether this kernel gives it. */
export interface LandlockRightState {
  readonly name: LandlockRightName;
  readonly group: LandlockGroup;
  readonly bit: number;
  /** The ABI that added it, and the mainline release of that ABI. */
  readonly abi: number;
  readonly since: string;
  readonly available: boolean;
  /** The errno the kernel answered although its ABI has the right (RHEL 9.7: ABSTRACT_UNIX_SOCKET, EINVAL). */
  readonly refused?: Errno;
}

/** One erratum of an ABI this kernel has: fixed (its bit is set), not fixed, or unknown (no ERRATA query). */
export interface LandlockErratumState {
  readonly erratum: number;
  readonly abi: number;
  readonly fixes: string;
  readonly fixed: boolean | null;
}

/** What `probe` and `matrix` say of Landlock on one kernel. */
export type LandlockProbe =
  | {
      readonly available: true;
      /** The ABI the kernel reported (a newer one than this SDK knows is used as its newest). */
      readonly abi: number;
      /** The ERRATA answer, `null` when the query is refused (before ABI 7, without the backport). */
      readonly errataMask: bigint | null;
      readonly errata: readonly LandlockErratumState[];
      readonly rights: readonly LandlockRightState[];
    }
  | {
      readonly available: false;
      readonly errno: Errno;
      readonly cause: PermissionCause;
      /** Why, in one sentence; `hint`: what to do about it. */
      readonly reason: string;
      readonly hint: string;
      readonly rights: readonly LandlockRightState[];
    };

const sinceOf = (abi: number): string => LANDLOCK_ABIS.find((row) => row.abi === abi)?.since ?? "?";
const state = (
  entry: (typeof LANDLOCK_CATALOGUE)[number],
  available: boolean,
  refused?: Errno,
): LandlockRightState => ({
  name: entry.name,
  group: entry.group,
  bit: entry.bit,
  abi: entry.abi,
  since: sinceOf(entry.abi),
  available,
  ...(refused ? { refused } : {}),
});

// Why every Landlock call failed with `errno`, as the negotiation reads it (not-built, disabled, filter).
function refusalOf(errno: Errno): { cause: PermissionCause; reason: string; hint: string } {
  const error = landlockUnavailable(errno, []);
  const cause: PermissionCause =
    "cause" in error && error.cause ? error.cause : { kind: "filter", detail: error.message };
  const hint = "hint" in error && error.hint ? error.hint : permissionHint(cause);
  return {
    cause,
    reason: `${cause.kind} (${errno}): ${"detail" in cause ? cause.detail : error.message}`,
    hint,
  };
}

/**
 * Landlock as a capture saw it: the ABI, each erratum of the kernel's ABIs, and per right whether the kernel
 * has it (its ABI has it and a ruleset handling it alone was created; a restrict flag passed the flag check,
 * or, where the caller could not ask, its ABI has it).
 */
export function landlockProbeOf(captured: CapturedLandlock): LandlockProbe {
  const { version, errata } = captured;
  if ("errno" in version) {
    return {
      available: false,
      errno: version.errno,
      ...refusalOf(version.errno),
      rights: LANDLOCK_CATALOGUE.map((entry) => state(entry, false)),
    };
  }
  const abi = Math.min(version.value, NEWEST_LANDLOCK_ABI);
  const mask = "value" in errata ? errata.value : null;
  const rights = LANDLOCK_CATALOGUE.map((entry) => {
    if (entry.abi > abi) return state(entry, false);
    const outcome =
      entry.group === "restrict"
        ? captured.restrictFlags[entry.name]
        : entry.group === "rule"
          ? undefined
          : captured.rights[entry.name];
    if (outcome === undefined || outcome === "ok") return state(entry, true);
    // restrict_self on a fd that is not open: EBADF means the flag passed; EPERM means no privilege to ask.
    if (entry.group === "restrict" && (outcome.errno === "EBADF" || outcome.errno === "EPERM"))
      return state(entry, true);
    return state(entry, false, outcome.errno);
  });
  return {
    available: true,
    abi,
    errataMask: mask,
    errata: LANDLOCK_ERRATA.filter((row) => row.abi <= abi).map((row) => ({
      erratum: row.erratum,
      abi: row.abi,
      fixes: row.fixes,
      fixed: mask === null ? null : (mask & erratumBit(row.erratum)) !== 0n,
    })),
    rights,
  };
}

/** Captures `port` (nothing restricted) and reads it as a `LandlockProbe`. Errors: `resource-exhausted`. */
export function probeLandlockPort(
  port: LandlockPort,
  privileges: { readonly capSysAdmin: boolean; readonly noNewPrivs: boolean },
): Result<LandlockProbe, CliError> {
  const captured = captureLandlock({ port, ...privileges });
  return captured.isErr() ? err(captured.error) : ok(landlockProbeOf(captured.value));
}

/** `fs 16/17 · net 2/4 · scope 2/2 · restrict 3/4 · rule 0/1`: how many rights of each group are available. */
export function landlockGroupCounts(probe: LandlockProbe): string {
  return LANDLOCK_GROUPS.map((group) => {
    const rights = probe.rights.filter((right) => right.group === group);
    return `${group} ${rights.filter((right) => right.available).length}/${rights.length}`;
  }).join(" · ");
}

/** Landlock on the backend the flags chose: what was probed, or a note saying why nothing could be. */
export interface LandlockSection {
  readonly backend: {
    readonly name: string;
    readonly kernelRelease: string;
    readonly arch: string;
    readonly simulating?: string;
  };
  readonly probe?: LandlockProbe;
  /** Why there is no probe (a version 1 profile has no Landlock). */
  readonly note?: string;
}

/**
 * Probes Landlock on the backend `flags` describe (they were checked by `backendFromFlags` already): this
 * kernel's port, the mock for `--kernel`/`--arch`/`--root`, or the capture in `--profile`. Errors: the Linux
 * port's (`backend-unavailable`, `unsupported`), `invalid-flag` for a value the Landlock mock refuses,
 * `resource-exhausted`.
 */
export async function landlockSectionFromFlags(
  flags: BackendFlags,
): Promise<Result<LandlockSection, CliError>> {
  const chosen = await landlockPortFromFlags(flags);
  if (chosen.isErr()) return err(chosen.error);
  const choice = chosen.value;
  switch (choice.kind) {
    case "none":
      return ok({ backend: choice.backend, note: choice.note });
    case "mock":
      return probeOf(choice.port);
    case "linux": {
      const { readLandlockPrivileges } = await import("@negotiate/linux");
      return probeLandlockPort(choice.port, readLandlockPrivileges()).map((probe) => ({
        backend: choice.port.info as LandlockSection["backend"],
        probe,
      }));
    }
  }
}

// A mock port's probe: its privileges are the simulated caller's.
function probeOf(port: MockLandlockPort): Result<LandlockSection, CliError> {
  const { noNewPrivs } = port.restriction();
  return probeLandlockPort(port, { capSysAdmin: port.info.capSysAdmin, noNewPrivs }).map((probe) => ({
    backend: port.info,
    probe,
  }));
}

const availabilityCell = (right: LandlockRightState): Cell => {
  if (right.available) return { text: "yes", tone: "ok" };
  if (right.refused)
    return { text: `refused: ${right.refused} although ABI ${right.abi} has it`, tone: "bad" };
  return { text: `no: needs ABI ${right.abi} (${right.since})`, tone: "dim" };
};

const fixedCell = (erratum: LandlockErratumState): Cell =>
  erratum.fixed === null
    ? { text: "unknown", tone: "dim" }
    : erratum.fixed
      ? { text: "yes", tone: "ok" }
      : { text: "no", tone: "warn" };

/**
 * The Landlock part of `probe`'s text: the ABI, the errata by name, the rights per group, then one row per
 * right; when Landlock is unavailable, why and the fix. Every value is escaped by the renderers.
 */
export function landlockText(section: Result<LandlockSection, CliError>, style: Style): string {
  const title = style.paint("landlock", "strong");
  if (section.isErr()) return `${title}\n  ${escapeValue(`cannot be probed: ${section.error.message}`)}\n`;
  const { backend, probe, note } = section.value;
  const { simulating, ...port } = backend;
  const fields: [string, Cell][] = [
    ["backend", backendLabel(port)],
    ...(simulating ? [["simulating", simulating] as [string, Cell]] : []),
  ];
  if (!probe) return `${title}\n${renderFields([...fields, ["note", note ?? ""]], style)}\n`;
  if (!probe.available) {
    fields.push(["ABI", { text: `unavailable — ${probe.reason}`, tone: "bad" }], ["fix", probe.hint]);
    return `${title}\n${renderFields(fields, style)}\n`;
  }
  const errata =
    probe.errataMask === null
      ? "not queryable (the ERRATA query needs ABI 7 or its backport)"
      : `0x${probe.errataMask.toString(16)}`;
  fields.push(
    ["ABI", `${probe.abi} (Linux ${sinceOf(probe.abi)})`],
    ["errata", errata],
    ["rights", landlockGroupCounts(probe)],
  );
  const rights = renderTable(
    ["LANDLOCK RIGHT", "GROUP", "BIT", "AVAILABLE"],
    probe.rights.map((right) => [right.name, right.group, String(right.bit), availabilityCell(right)]),
    style,
  );
  const errataTable = probe.errata.length
    ? `\n\n${renderTable(
        ["ERRATUM", "ABI", "FIXED", "WHAT IT FIXES"],
        probe.errata.map((erratum) => [
          String(erratum.erratum),
          String(erratum.abi),
          fixedCell(erratum),
          erratum.fixes,
        ]),
        style,
      )}`
    : "";
  return `${title}\n${renderFields(fields, style)}\n\n${rights}${errataTable}\n`;
}

import { Knowledge } from "@negotiate/core";
import {
  LANDLOCK_CATALOGUE,
  type LandlockPolicy,
  type LandlockRightName,
  landlockRight,
  landlockRightNames,
  negotiateLandlockGrant,
} from "@negotiate/core/landlock";
import { createLandlockMockBackend, type MockLandlockPort } from "@negotiate/mock";
import { err, ok, type Result } from "neverthrow";
import { type CliError, invalidFlag } from "./cli-error.js";
import { type LandlockProbe, probeLandlockPort } from "./landlock-probe.js";
import type { Cell } from "./output.js";

/** A wanted right this kernel lacks: the ABI that added it, or the errno it refused although its ABI has it. */
export interface LandlockShortfall {
  readonly name: LandlockRightName;
  readonly abi: number;
  readonly refused?: string;
}

/** The policy's `landlock:` section negotiated on the row's mock: `ok`, or the error's kind and message. */
export type LandlockOutcome =
  | { readonly ok: true; readonly coverage: "full" | "partial" | "none" }
  | { readonly ok: false; readonly kind: string; readonly message: string };

/** Landlock on one row of the matrix: the ABI, errata and which wanted rights are available. */
export type LandlockMatrixCell = (
  | {
      readonly available: true;
      readonly abi: number;
      /** The ERRATA answer; `null` before ABI 7 without the backport. */
      readonly errata: bigint | null;
      readonly rights: readonly LandlockRightName[];
      readonly missing: readonly LandlockShortfall[];
    }
  | { readonly available: false; readonly errno: string; readonly reason: string }
) & {
  /** With a policy's `landlock:` section: what negotiating it gave. */
  readonly negotiated?: LandlockOutcome;
};

/** The rights a `landlock:` section wants: required and optional, less forbidden, in catalogue order. */
export function wantedBySection(
  section: LandlockPolicy<LandlockRightName, LandlockRightName>,
): LandlockRightName[] {
  const listed = new Set<string>([...section.required, ...section.optional]);
  for (const name of section.forbidden) listed.delete(name);
  return ALL.filter((name) => listed.has(name));
}

// Negotiates the section on a fresh port (its own knowledge) and closes the ruleset it got.
function negotiateSection(
  port: MockLandlockPort,
  section: LandlockPolicy<LandlockRightName, LandlockRightName>,
): LandlockOutcome {
  const result = negotiateLandlockGrant(section, { backend: port, knowledge: new Knowledge() });
  if (result.isErr()) return { ok: false, kind: result.error.kind, message: result.error.message };
  const grant = result.value;
  if (grant.rulesetFd !== undefined) port.close(grant.rulesetFd);
  const wanted = wantedBySection(section).length;
  const handled = landlockRightNames(grant.handled).filter((name) =>
    wantedBySection(section).includes(name),
  ).length;
  return {
    ok: true,
    coverage: grant.rulesetFd === undefined ? "none" : handled < wanted ? "partial" : "full",
  };
}

const ALL = LANDLOCK_CATALOGUE.map((entry) => entry.name);

/**
 * The rights of `--landlock`: a comma-separated list (bare or prefixed names), or every right and flag of the
 * catalogue when the flag has no value. Errors: `invalid-flag` naming the unknown right and the known ones.
 */
export function parseLandlockFlag(value: string | true): Result<readonly LandlockRightName[], CliError> {
  if (value === true) return ok(ALL);
  const names: LandlockRightName[] = [];
  for (const item of value.split(",").map((part) => part.trim())) {
    if (item === "") continue;
    const entry = landlockRight(item);
    if (!entry) return err(invalidFlag("--landlock", item, ALL));
    if (!names.includes(entry.name)) names.push(entry.name);
  }
  if (names.length === 0) return err(invalidFlag("--landlock", value, ["a comma-separated list of rights"]));
  return ok(names);
}

function cellOf(probe: LandlockProbe, wanted: readonly LandlockRightName[]): LandlockMatrixCell {
  // The short cause (`not-built`, `disabled`, `filter`): `probe` says the rest.
  if (!probe.available)
    return { available: false, errno: probe.errno, reason: `${probe.cause.kind} (${probe.errno})` };
  const states = probe.rights.filter((right) => wanted.includes(right.name));
  return {
    available: true,
    abi: probe.abi,
    errata: probe.errataMask,
    rights: states.filter((right) => right.available).map((right) => right.name),
    missing: states
      .filter((right) => !right.available)
      .map((right) => ({
        name: right.name,
        abi: right.abi,
        ...(right.refused ? { refused: right.refused } : {}),
      })),
  };
}

/**
 * Landlock on the mock of one matrix row (CAP_SYS_ADMIN with `--root`). Errors: `invalid-flag` when the
 * Landlock mock refuses the kernel or arch (the userfaultfd mock accepted them first), `resource-exhausted`.
 */
export function landlockCellOn(
  kernel: string,
  arch: string,
  root: boolean,
  wanted: readonly LandlockRightName[],
  section?: LandlockPolicy<LandlockRightName, LandlockRightName>,
): Result<LandlockMatrixCell, CliError> {
  const port = createLandlockMockBackend({ kernel, arch, capSysAdmin: root });
  if (port.isErr()) {
    const expected = [port.error.kind === "invalid-option" ? port.error.expected : port.error.reason];
    return err(
      port.error.field === "arch"
        ? invalidFlag("--arch", arch, expected)
        : invalidFlag("--kernels", kernel, expected),
    );
  }
  const probed = probeLandlockPort(port.value, { capSysAdmin: root, noNewPrivs: false });
  if (probed.isErr() || !section) return probed.map((probe) => cellOf(probe, wanted));
  return ok({ ...cellOf(probed.value, wanted), negotiated: negotiateSection(port.value, section) });
}

/** Whether a row satisfies the policy's Landlock section (no section: yes). */
export const landlockSatisfied = (cell: LandlockMatrixCell | undefined): boolean =>
  cell?.negotiated === undefined || cell.negotiated.ok;

/** `ok (partial)` or the error kind of the section's negotiation. */
export const landlockOutcomeCell = (cell: LandlockMatrixCell): Cell => {
  const outcome = cell.negotiated;
  if (!outcome) return "";
  return outcome.ok
    ? {
        text: outcome.coverage === "full" ? "ok" : `ok (${outcome.coverage})`,
        tone: outcome.coverage === "full" ? "ok" : "warn",
      }
    : { text: outcome.kind, tone: "bad" };
};

/** `4` or the errno every call answered. */
export const landlockAbiCell = (cell: LandlockMatrixCell): Cell =>
  cell.available ? String(cell.abi) : { text: cell.errno, tone: "bad" };

/** `0x7`, or `-` when the kernel cannot be asked. */
export const landlockErrataCell = (cell: LandlockMatrixCell): Cell =>
  !cell.available || cell.errata === null ? "-" : `0x${cell.errata.toString(16)}`;

/** `2 of 3` of the wanted rights. */
export const landlockRightsCell = (cell: LandlockMatrixCell, wanted: number): Cell => {
  const count = cell.available ? cell.rights.length : 0;
  return { text: `${count} of ${wanted}`, tone: count === wanted ? "ok" : count === 0 ? "bad" : "warn" };
};

/** `TRUNCATE (ABI 3), ABSTRACT_UNIX_SOCKET (EINVAL)`: what a row lacks, or why it has no Landlock. */
export function landlockShortfallText(cell: LandlockMatrixCell): string | undefined {
  if (!cell.available) return cell.reason;
  if (cell.missing.length === 0) return undefined;
  return cell.missing
    .map(
      (right) =>
        `${right.name} (${right.refused ? `${right.refused} although ABI ${right.abi}` : `ABI ${right.abi}`})`,
    )
    .join(", ");
}

const WIDTH = 100;

/**
 * `label: a, b, c` as lines of at most 100 columns after `indent` spaces: the items (split at `, `) continue on
 * lines indented under the first item. An item longer than a line stays whole.
 */
export function wrappedLines(label: string, text: string, indent = 2): string[] {
  const head = `${label}: `;
  const lines: string[] = [];
  let line = head;
  for (const [index, item] of text.split(", ").entries()) {
    const piece = index === 0 ? item : `, ${item}`;
    if (index > 0 && indent + line.length + piece.length > WIDTH) {
      lines.push(`${line},`);
      line = `${" ".repeat(head.length)}${item}`;
    } else line += piece;
  }
  lines.push(line);
  return lines;
}

import { LANDLOCK_CATALOGUE, type LandlockRightName, landlockRight } from "@negotiate/core/landlock";
import { createLandlockMockBackend } from "@negotiate/mock";
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

/** Landlock on one row of the matrix: the ABI, errata and which wanted rights are available. */
export type LandlockMatrixCell =
  | {
      readonly available: true;
      readonly abi: number;
      /** The ERRATA answer; `null` before ABI 7 without the backport. */
      readonly errata: bigint | null;
      readonly rights: readonly LandlockRightName[];
      readonly missing: readonly LandlockShortfall[];
    }
  | { readonly available: false; readonly errno: string; readonly reason: string };

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
  return probeLandlockPort(port.value, { capSysAdmin: root, noNewPrivs: false }).map((probe) =>
    cellOf(probe, wanted),
  );
}

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

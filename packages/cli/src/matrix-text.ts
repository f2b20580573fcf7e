import { compareKernelVersions, type FeatureName, type Policy, parseKernelRelease } from "@negotiate/core";
import {
  type LandlockMatrixCell,
  landlockAbiCell,
  landlockErrataCell,
  landlockOutcomeCell,
  landlockRightsCell,
  landlockShortfallText,
  wrappedLines,
} from "./landlock-matrix.js";
import { type LandlockColumns, type MatrixRow, outcomeCell, rowSatisfies } from "./matrix-command.js";
import { type Cell, renderTable, type Style } from "./output.js";
import { escapeValue } from "./terminal-text.js";

type AnyPolicy = Policy<never, FeatureName>;

const outcomeCellText = (row: MatrixRow): string => {
  const cell = outcomeCell(row);
  return typeof cell === "string" ? cell : cell.text;
};

// Who a row simulated, without its kernel and architecture (the row has them): `simulating root with CAP_SYS_PTRACE`.
function callerOf(row: MatrixRow): string {
  const where = ` on ${row.kernel} (${row.arch}`;
  const at = row.simulating.indexOf(where);
  if (at === -1) return row.simulating;
  const rest = row.simulating
    .slice(at + where.length)
    .replace(/^, /, "")
    .replace(/\)$/, "");
  return `${row.simulating.slice(0, at)}${rest ? ` (${rest})` : ""}`;
}

/** Consecutive kernels of one architecture that share a detail: `4.11…5.2 x86_64: WP_ASYNC | …`. */
function groupedLines(rows: readonly MatrixRow[], detail: (row: MatrixRow) => string | undefined): string[] {
  const lines: string[] = [];
  let run: { first: MatrixRow; last: MatrixRow; text: string } | undefined;
  const flush = () => {
    if (!run) return;
    const kernels = run.first === run.last ? run.first.kernel : `${run.first.kernel}…${run.last.kernel}`;
    lines.push(`${kernels} ${run.first.arch}: ${run.text}`);
    run = undefined;
  };
  for (const row of rows) {
    const text = detail(row);
    if (text !== undefined && run && run.text === text && run.last.arch === row.arch) run.last = row;
    else {
      flush();
      if (text !== undefined) run = { first: row, last: row, text };
    }
  }
  flush();
  return lines;
}

/**
 * The Landlock columns: the ABI, the errata, how many of the rights are available and, with the policy's
 * `landlock:` section, what negotiating it gave.
 */
function landlockColumns(landlock: LandlockColumns | undefined) {
  const shown = landlock !== undefined;
  const of = (row: MatrixRow, cell: (landlock: LandlockMatrixCell) => Cell): Cell =>
    row.landlock ? cell(row.landlock) : "";
  return [
    { header: "LANDLOCK", cell: (row: MatrixRow) => of(row, landlockAbiCell), shown },
    { header: "ERRATA", cell: (row: MatrixRow) => of(row, landlockErrataCell), shown },
    {
      header: "LL RIGHTS",
      cell: (row: MatrixRow) => of(row, (cell) => landlockRightsCell(cell, landlock?.wanted.length ?? 0)),
      shown,
    },
    {
      header: "LL RESULT",
      cell: (row: MatrixRow) => of(row, landlockOutcomeCell),
      shown: landlock?.section !== undefined,
    },
  ];
}

// What each run of kernels lacks of the Landlock rights, wrapped at 100 columns.
function landlockSection(rows: readonly MatrixRow[], style: Style): string[] {
  const lines = groupedLines(rows, (row) => (row.landlock ? landlockShortfallText(row.landlock) : undefined));
  if (lines.length === 0) return [];
  return [
    `\n${style.paint("landlock missing", "strong")}`,
    ...lines.flatMap((line) => {
      const at = line.indexOf(": ");
      return wrappedLines(line.slice(0, at), line.slice(at + 2)).map((part) => `  ${escapeValue(part)}`);
    }),
  ];
}

/**
 * The matrix as text that fits in 100 columns: one short row per kernel (the result, the `oneOf` alternative
 * chosen, how many optional features were enabled, what came implied, the port calls), then who was simulated
 * and the reasons (missing required and optional features), each grouped over consecutive kernels, then the
 * verdict per architecture. Columns the policy cannot fill (no `oneOf`, nothing implied) are left out.
 */
export function matrixText(
  rows: readonly MatrixRow[],
  oldest: Record<string, string | null>,
  policy: AnyPolicy,
  style: Style,
  landlock?: LandlockColumns,
): string {
  const alternatives = new Set(policy.oneOf.flat());
  const optional = policy.optional.names().filter((name) => !policy.forbidden.has(name));
  const chosen = (row: MatrixRow) => (row.ok ? row.enabled.filter((name) => alternatives.has(name)) : []);
  const implied = (row: MatrixRow) =>
    row.ok
      ? row.enabled.filter(
          (name) => !policy.required.has(name) && !policy.optional.has(name) && !alternatives.has(name),
        )
      : [];
  const columns: {
    readonly header: string;
    readonly cell: (row: MatrixRow) => Cell;
    readonly shown: boolean;
  }[] = [
    { header: "KERNEL", cell: (row) => row.kernel, shown: true },
    { header: "ARCH", cell: (row) => row.arch, shown: true },
    {
      header: "RESULT",
      cell: (row) => (row.ok ? { text: "ok", tone: "ok" } : { text: row.error.kind, tone: "bad" }),
      shown: true,
    },
    {
      header: "ONE OF",
      cell: (row) => chosen(row).join(", ") || (row.ok ? "-" : ""),
      shown: alternatives.size > 0,
    },
    {
      header: "OPTIONAL",
      cell: (row) =>
        row.ok
          ? {
              text: `${optional.length - row.missingOptional.length} of ${optional.length}`,
              tone: row.missingOptional.length ? "warn" : "ok",
            }
          : "",
      shown: optional.length > 0,
    },
    {
      header: "IMPLIED",
      cell: (row) => implied(row).join(", "),
      shown: rows.some((row) => implied(row).length > 0),
    },
    {
      header: "OPEN/API/CLOSE",
      cell: (row) => `${row.calls.open}/${row.calls.api}/${row.calls.close}`,
      shown: true,
    },
    ...landlockColumns(landlock),
  ];
  const shown = columns.filter((column) => column.shown);
  const table = renderTable(
    shown.map((column) => column.header),
    rows.map((row) => shown.map((column) => column.cell(row))),
    style,
  );
  const section = (title: string, lines: readonly string[]) =>
    lines.length
      ? [`\n${style.paint(title, "strong")}`, ...lines.map((line) => `  ${escapeValue(line)}`)]
      : [];
  const reasons = [
    ...section("simulating", groupedLines(rows, callerOf)),
    ...section(
      "failed",
      groupedLines(rows, (row) => {
        if (!row.ok) return outcomeCellText(row);
        const landlock = row.landlock?.negotiated;
        return landlock && !landlock.ok ? `landlock: ${landlock.kind}` : undefined;
      }),
    ),
    ...section(
      "missing optional",
      groupedLines(rows, (row) =>
        row.ok && row.missingOptional.length ? row.missingOptional.join(", ") : undefined,
      ),
    ),
    ...landlockSection(rows, style),
  ];
  const verdicts = Object.entries(oldest).map(([arch, kernel]) => {
    if (kernel === null)
      return style.paint(`${escapeValue(arch)}: no listed kernel satisfies the policy`, "bad");
    const version = parseKernelRelease(kernel).unwrapOr(undefined);
    const newerFailures = rows.filter((row) => {
      const release = parseKernelRelease(row.kernel).unwrapOr(undefined);
      return (
        row.arch === arch &&
        !rowSatisfies(row) &&
        version &&
        release &&
        compareKernelVersions(release, version) > 0
      );
    });
    // A long list of newer failures is told as a count: "failed" above names them.
    const newer = newerFailures.map((row) => row.kernel).join(", ");
    const caveat = !newerFailures.length
      ? ""
      : newer.length <= 40
        ? ` (but not ${newer})`
        : ` (but not ${newerFailures.length} newer ones: see failed)`;
    return (
      escapeValue(`${arch}: oldest kernel that satisfies the policy: `) +
      style.paint(escapeValue(kernel), "ok") +
      escapeValue(caveat)
    );
  });
  return `${table}\n${reasons.join("\n")}\n\n${verdicts.join("\n")}\n`;
}

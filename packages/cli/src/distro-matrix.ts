import type { FeatureName } from "@negotiate/core";
import { DISTRO_PROFILES } from "@negotiate/mock";
import { EXIT, type ExitCode } from "./cli-error.js";
import { reportFailure } from "./error-text.js";
import { writeJson } from "./json-output.js";
import {
  landlockAbiCell,
  landlockErrataCell,
  landlockOutcomeCell,
  landlockRightsCell,
  landlockShortfallText,
  wrappedLines,
} from "./landlock-matrix.js";
import {
  type AnyPolicy,
  type LandlockColumns,
  type MatrixFlags,
  type MatrixRow,
  negotiateOn,
  outcomeCell,
  rowSatisfies,
} from "./matrix-command.js";
import { type CliIo, renderTable, type Style, styleFor } from "./output.js";
import { escapeValue } from "./terminal-text.js";

/** One distro line on one architecture: its kernels' rows, what its newest loses, its oldest that works. */
interface DistroVerdict {
  readonly distro: string;
  readonly name: string;
  readonly arch: string;
  readonly rows: readonly MatrixRow[];
  /** The newest kernel of the line satisfies the policy. */
  readonly satisfied: boolean;
  /** What the newest kernel does not give: optional features, or the required ones when it fails. */
  readonly loses: readonly string[];
  /** The oldest kernel of the line that satisfies the policy, `null` when none does. */
  readonly oldest: string | null;
}

function losses(row: MatrixRow): readonly string[] {
  const landlock = row.landlock?.negotiated;
  const landlockLoss = landlock && !landlock.ok ? [`landlock (${landlock.kind})`] : [];
  if (row.ok) return [...row.missingOptional, ...landlockLoss];
  const { error } = row;
  if (error.kind === "missing-required") {
    return [
      ...error.missing.map((feature): FeatureName => feature.name),
      ...error.unmetGroups.map((group) => group.join("|")),
    ];
  }
  return [
    error.kind === "permission-denied" ? `userfaultfd (${error.cause.kind})` : `userfaultfd (${error.kind})`,
  ];
}

/**
 * `negotiate matrix --distros`: the policy against every distro profile's kernels (oldest to newest) on each
 * `--arch`. Exit 0 when some distro's newest kernel satisfies the policy, 1 when none does, 2 for bad input.
 */
export function distroMatrix(
  policy: AnyPolicy,
  arches: readonly string[],
  flags: MatrixFlags,
  io: CliIo,
  landlock?: LandlockColumns,
): ExitCode {
  const verdicts: DistroVerdict[] = [];
  for (const profile of DISTRO_PROFILES) {
    for (const arch of arches) {
      const rows: MatrixRow[] = [];
      for (const kernel of profile.kernels) {
        const row = negotiateOn(policy, kernel, arch, flags, landlock);
        if (row.isErr()) return reportFailure(row.error, io, flags.json);
        rows.push(row.value);
      }
      const newest = rows[rows.length - 1] as MatrixRow;
      verdicts.push({
        distro: profile.id,
        name: profile.name,
        arch,
        rows,
        satisfied: rowSatisfies(newest),
        loses: losses(newest),
        oldest: rows.find(rowSatisfies)?.kernel ?? null,
      });
    }
  }
  const anySatisfied = verdicts.some((verdict) => verdict.satisfied);
  if (flags.json) {
    writeJson(io.stdout, {
      ok: true,
      satisfied: anySatisfied,
      ...(landlock ? { landlock: landlock.wanted } : {}),
      distros: verdicts,
    });
    return anySatisfied ? EXIT.ok : EXIT.failed;
  }
  const style = styleFor(io.stdout, io.env);
  const table = renderTable(
    ["DISTRO", "ARCH", "NEWEST KERNEL", "OUTCOME", "LOSES", "OLDEST THAT SATISFIES", "SIMULATING"],
    verdicts.map((verdict) => {
      const newest = verdict.rows[verdict.rows.length - 1] as MatrixRow;
      return [
        verdict.name,
        verdict.arch,
        newest.kernel,
        outcomeCell(newest),
        verdict.loses.join(", ") || "-",
        verdict.oldest === null ? { text: "none", tone: "bad" } : { text: verdict.oldest, tone: "ok" },
        newest.simulating,
      ];
    }),
    style,
  );
  io.stdout.write(`${table}\n${landlock ? landlockTable(verdicts, landlock, style) : ""}`);
  return anySatisfied ? EXIT.ok : EXIT.failed;
}

// Landlock per distro kernel (every kernel of each line, oldest first), then what each lacks, in 100 columns.
function landlockTable(verdicts: readonly DistroVerdict[], landlock: LandlockColumns, style: Style): string {
  const rows = verdicts.flatMap((verdict) => verdict.rows.map((row) => ({ verdict, row })));
  const table = renderTable(
    [
      "DISTRO",
      "ARCH",
      "KERNEL",
      "LANDLOCK",
      "ERRATA",
      "LL RIGHTS",
      ...(landlock.section ? ["LL RESULT"] : []),
    ],
    rows.flatMap(({ verdict, row }) =>
      row.landlock
        ? [
            [
              verdict.distro,
              verdict.arch,
              row.kernel,
              landlockAbiCell(row.landlock),
              landlockErrataCell(row.landlock),
              landlockRightsCell(row.landlock, landlock.wanted.length),
              ...(landlock.section ? [landlockOutcomeCell(row.landlock)] : []),
            ],
          ]
        : [],
    ),
    style,
  );
  const missing = rows.flatMap(({ verdict, row }) => {
    const text = row.landlock ? landlockShortfallText(row.landlock) : undefined;
    return text === undefined
      ? []
      : wrappedLines(`${verdict.distro} ${row.kernel}`, text).map((line) => `  ${escapeValue(line)}`);
  });
  const section = missing.length
    ? `\n${style.paint("landlock missing", "strong")}\n${missing.join("\n")}\n`
    : "";
  return `\n${table}\n${section}`;
}

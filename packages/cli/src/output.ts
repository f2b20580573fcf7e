import type { BackendInfo } from "@negotiate/core";
import picocolors from "picocolors";

/** Where a command writes: the process's stdout/stderr (see `directOutput`), or a buffer in tests. */
export interface OutputStream {
  write(text: string): unknown;
  /** `true` when the stream is a terminal; absent means not. Reading it may cost: read it only when it matters. */
  readonly isTTY?: boolean;
}

/** Everything the CLI touches of its process, injected so that commands run in-process in tests. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** The environment; only `NO_COLOR` is read. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** How a cell is coloured on a terminal; plain text ignores it. */
export type Tone = "ok" | "bad" | "warn" | "dim" | "strong";

/** A table cell: text, optionally with a tone. */
export type Cell = string | { readonly text: string; readonly tone: Tone };

/** Renders text for one stream: colours only on a terminal without `NO_COLOR`. */
export interface Style {
  readonly color: boolean;
  paint(text: string, tone: Tone): string;
}

/**
 * Colour when stdout is a terminal and `NO_COLOR` is unset or empty (https://no-color.org). `NO_COLOR` is read
 * first: asking the stream whether it is a terminal can cost (see `cli.ts`).
 */
export function styleFor(stream: OutputStream, env: CliIo["env"]): Style {
  const color = (env.NO_COLOR === undefined || env.NO_COLOR === "") && stream.isTTY === true;
  const colors = picocolors.createColors(color);
  const tones: Record<Tone, (text: string) => string> = {
    ok: colors.green,
    bad: colors.red,
    warn: colors.yellow,
    dim: colors.dim,
    strong: colors.bold,
  };
  return { color, paint: (text, tone) => tones[tone](text) };
}

const textOf = (cell: Cell): string => (typeof cell === "string" ? cell : cell.text);

/**
 * Aligned columns: a bold header on a terminal, plain padded text otherwise. Widths come from the plain
 * text, so colour codes never break the alignment. The last column is not padded.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  style: Style,
): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => textOf(row[column] ?? "").length)),
  );
  const line = (cells: readonly Cell[], header: boolean): string =>
    cells
      .map((cell, column) => {
        const text = textOf(cell);
        const padded = column === cells.length - 1 ? text : text.padEnd(widths[column]!);
        if (header) return style.paint(padded, "strong");
        return typeof cell === "string" ? padded : style.paint(padded, cell.tone);
      })
      .join("  ")
      .trimEnd();
  return [line(headers, true), ...rows.map((row) => line(row, false))].join("\n");
}

/** `label  value` lines with the labels aligned. */
export function renderFields(fields: readonly (readonly [string, Cell])[], style: Style): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields
    .map(
      ([label, value]) =>
        `${style.paint(label.padEnd(width), "dim")}  ${typeof value === "string" ? value : style.paint(value.text, value.tone)}`,
    )
    .join("\n");
}

/**
 * `linux · 6.18.44 · x86_64`: a backend as the text output names it; a mock adds who it simulates
 * (`simulating uid≠0 without CAP_SYS_PTRACE on 6.8 (x86_64)`) and what it had to assume.
 */
export function backendLabel(
  info: BackendInfo & { simulating?: string; warnings?: readonly string[] },
): string {
  const label = [info.name, info.kernelRelease, info.arch].filter(Boolean).join(" · ");
  return [label, info.simulating, ...(info.warnings ?? []).map((warning) => `warning: ${warning}`)]
    .filter(Boolean)
    .join(" — ");
}

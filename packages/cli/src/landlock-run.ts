import type { LandlockRightName, LandlockSession } from "@negotiate/core/landlock";
import { type Cell, renderFields, renderTable, type Style } from "./output.js";
import { escapeValue } from "./terminal-text.js";

type AnyLandlockSession = LandlockSession<never, LandlockRightName>;

const statusCell = (status: string, reason: string | undefined, required: boolean): Cell => {
  if (status === "enforced") return { text: "enforced", tone: "ok" };
  const text = `${status}${reason ? `: ${reason}` : ""}`;
  return { text, tone: status === "degraded" || !required ? "warn" : "bad" };
};

/** The `landlock` member of `run --json`: what the section's session handles and reports. */
export function landlockRunJson(session: AnyLandlockSession) {
  return {
    abi: session.abi,
    errata: `0x${session.errata.toString(16)}`,
    coverage: session.coverage,
    rights: session.rights,
    rules: session.rules,
    warnings: session.warnings,
  };
}

/** The Landlock part of `run`'s text: ABI and coverage, one row per wanted right, the rules, the warnings. */
export function landlockRunText(session: AnyLandlockSession, style: Style): string {
  const fields = renderFields(
    [
      ["landlock", `ABI ${session.abi}, errata 0x${session.errata.toString(16)}`],
      [
        "coverage",
        {
          text: session.coverage,
          tone: session.coverage === "full" ? "ok" : session.coverage === "partial" ? "warn" : "bad",
        },
      ],
    ],
    style,
  );
  const rights = renderTable(
    ["RIGHT", "WANTED", "RESULT"],
    session.rights.map((right) => [
      right.name,
      right.required ? "required" : "optional",
      statusCell(right.status, right.reason, right.required),
    ]),
    style,
  );
  const rules = session.rules.length
    ? `\n\n${renderTable(
        ["RULE", "ALLOWED", "RESULT"],
        session.rules.map((report) => [
          "path" in report.rule ? report.rule.path : `port ${report.rule.port}`,
          report.allowed.join(", ") || "-",
          report.added ? { text: "added", tone: "ok" } : { text: report.reason ?? "skipped", tone: "warn" },
        ]),
        style,
      )}`
    : "";
  const warnings = session.warnings.length
    ? `\n\n${style.paint("landlock warnings", "warn")}\n${session.warnings.map((warning) => `  - ${escapeValue(warning)}`).join("\n")}`
    : "";
  return `${fields}\n\n${rights}${rules}${warnings}\n`;
}

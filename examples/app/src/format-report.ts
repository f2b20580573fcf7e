import type { AppReport, RestoreMode, WriteTracking } from "./app-api.js";

const WRITE_TRACKING: Record<WriteTracking["mode"], string> = {
  async:
    "async (WP_ASYNC): the kernel resolves write faults, dirty pages come from pagemap; writers never stop",
  "fault-driven":
    "fault-driven (PAGEFAULT_FLAG_WP): the first write to each page waits until the agent has recorded it",
  off: "off: snapshots disabled (needs PAGEFAULT_FLAG_WP, Linux 5.7, or WP_ASYNC, Linux 6.7)",
};

const RESTORE: Record<RestoreMode, string> = {
  lazy: "lazy, every page on first touch",
  "lazy-except-io-buffers":
    "lazy, but I/O buffers eagerly (user-mode-only fd: faults raised by the kernel are not delivered)",
};

/** The report as the agent prints it: one decision per line, then the warnings and policy lints. */
export function formatReport(report: AppReport): string {
  const forkDropped = report.warnings.some((warning) => warning.code === "event-fork-dropped");
  return [
    `snapshot-agent (policy ${report.policy}) on ${report.backend} kernel ${report.kernel}`,
    `userfaultfd: ${report.open} mode, enabled ${report.enabled.join(", ") || "nothing beyond the base API"}`,
    `write tracking: ${WRITE_TRACKING[report.writeTracking.mode]}`,
    `per-thread attribution: ${report.threadAttribution ? "on (THREAD_ID)" : "off (faults do not name their thread)"}`,
    `follows forks: ${report.followsForks ? "yes (EVENT_FORK)" : forkDropped ? "no (EVENT_FORK needs CAP_SYS_PTRACE)" : "no (EVENT_FORK not available)"}`,
    `restore: ${RESTORE[report.restore]}`,
    ...report.warnings.map((warning) => `warning: ${warning.message}`),
    ...report.policyLints.map((lint) => `policy lint: ${lint}`),
  ].join("\n");
}

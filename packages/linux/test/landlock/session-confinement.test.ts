import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { landlockBackend } from "../../src/index.js";
import { toJson } from "../support/bigint-json.js";
import { runFixture } from "../support/child.js";
import { CHILD_TIMEOUT_MS, CONFINED, ConfinementWorld } from "./confinement-world.js";
import type { Probes } from "./fixtures/landlock-probes.js";

interface Report {
  readonly uid: number;
  readonly abi: number;
  readonly poolJob: string;
  readonly threads: number;
  readonly coverage: string;
  readonly rights: Record<string, string>;
  readonly rulesAdded: boolean[];
  readonly enforced:
    | { readonly restricted: boolean; readonly allThreads: boolean; readonly warnings: string[] }
    | { readonly error: string; readonly message: string };
  readonly closed: boolean;
  readonly before: Probes;
  readonly after: Probes;
  readonly asyncReadDenied: string;
}

const abi = landlockBackend().andThen((port) => port.abiVersion());
const fixture = new URL("./fixtures/session-child.ts", import.meta.url);
const WHO = [
  ["root", false],
  ["uid 65534", true],
] as const;

// The session in Node children (never the test runner): on ABI < 8 Node always has threads besides the main one.
describe.runIf(abi.isOk() && abi.value >= 6 && abi.value < 8)(
  "a Landlock session in a Node child without TSYNC",
  () => {
    const world = new ConfinementWorld();
    beforeAll(() => world.start());
    afterAll(() => world.stop());

    const run = async (name: string, unprivileged: boolean, threads: "fail" | "warn", poolFirst: boolean) => {
      const setup = await world.setup(name, unprivileged);
      return runFixture<Report>(fixture, { unprivileged, input: toJson({ ...setup, threads, poolFirst }) });
    };

    it.each(WHO)(
      "as %s, threads: fail refuses to restrict (threads-unconfined), and nothing is confined",
      async (_who, unprivileged) => {
        const report = await run(`fail-${unprivileged}`, unprivileged, "fail", false);
        expect(report.uid).toBe(unprivileged ? 65534 : 0);
        expect(report.threads).toBeGreaterThan(1);
        expect(report.enforced).toMatchObject({ error: "threads-unconfined" });
        expect("message" in report.enforced && report.enforced.message).toMatch(/TSYNC/);
        expect(report.closed).toBe(true);
        expect(report.after.readDenied).toBe("ok");
        expect(report.asyncReadDenied).toBe("ok");
      },
      CHILD_TIMEOUT_MS,
    );

    it.each(WHO)(
      "as %s, threads: warn confines the main thread (files, TCP, signals) and the libuv pool started before stays free",
      async (_who, unprivileged) => {
        const report = await run(`warn-${unprivileged}`, unprivileged, "warn", true);
        expect(report.poolJob).toBe("ok");
        expect(report.rights).toMatchObject({
          READ_FILE: "enforced",
          BIND_TCP: "enforced",
          SIGNAL: "enforced",
        });
        expect(report.rights.TSYNC).toBe("unavailable");
        expect(report.coverage).toBe("partial");
        expect(report.rulesAdded).toEqual([true, true, true]);
        expect(Object.values(report.before).every((outcome) => outcome === "ok")).toBe(true);
        expect(report.enforced).toMatchObject({ restricted: true, allThreads: false });
        const { warnings } = report.enforced as { warnings: string[] };
        expect(warnings.join()).toMatch(/other threads of this process stay unconfined/);
        expect(report.after).toEqual(CONFINED);
        // The bypass the warning names: fs.readFile runs on a pool thread that was never restricted.
        expect(report.asyncReadDenied).toBe("ok");
      },
      CHILD_TIMEOUT_MS,
    );
  },
);

describe.runIf(!(abi.isOk() && abi.value >= 6 && abi.value < 8))("a Landlock session in a Node child", () => {
  it.skip("skipped: needs Landlock ABI 6 or 7 (files, TCP, signals; no TSYNC)", () => {});
});

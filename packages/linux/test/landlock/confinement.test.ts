import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { landlockBackend } from "../../src/index.js";
import { toJson } from "../support/bigint-json.js";
import { runFixture } from "../support/child.js";
import { CHILD_TIMEOUT_MS, CONFINED, ConfinementWorld } from "./confinement-world.js";
import type { Probes } from "./fixtures/landlock-probes.js";

interface Report {
  readonly uid: number;
  readonly abi: number;
  readonly rules: { readonly dir: boolean; readonly bind: boolean; readonly connect: boolean };
  readonly before: Probes;
  readonly withoutNoNewPrivs: string;
  readonly noNewPrivs: boolean;
  readonly restricted: string;
  readonly after: Probes;
}

const abi = landlockBackend().andThen((port) => port.abiVersion());

// Every proof runs in a child restricted for good; the test runner itself is never restricted.
describe.runIf(abi.isOk() && abi.value >= 6)("Landlock confines a child: files, TCP ports, signals", () => {
  const world = new ConfinementWorld();
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  async function confine(unprivileged: boolean): Promise<Report> {
    const setup = await world.setup(unprivileged ? "nobody" : "root", unprivileged);
    return runFixture<Report>(new URL("./fixtures/confined-child.ts", import.meta.url), {
      unprivileged,
      input: toJson(setup),
    });
  }

  const expectConfined = (report: Report) => {
    expect(report.rules).toEqual({ dir: true, bind: true, connect: true });
    // Unconfined, everything works: each denial below is Landlock's.
    expect(Object.values(report.before).every((outcome) => outcome === "ok")).toBe(true);
    expect(report.restricted).toBe("ok");
    expect(report.after).toEqual(CONFINED);
  };

  it(
    "as root: restricts without no_new_privs (CAP_SYS_ADMIN) and confines",
    async () => {
      const report = await confine(false);
      expect(report.uid).toBe(0);
      expect(report.withoutNoNewPrivs).toBe("ok");
      expectConfined(report);
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    "as uid 65534: EPERM without no_new_privs, then confined once it is set",
    async () => {
      const report = await confine(true);
      expect(report.uid).toBe(65534);
      expect(report.withoutNoNewPrivs).toBe("EPERM");
      expect(report.noNewPrivs).toBe(true);
      expectConfined(report);
    },
    CHILD_TIMEOUT_MS,
  );
});

describe.runIf(!(abi.isOk() && abi.value >= 6))("Landlock confinement", () => {
  it.skip("skipped: needs Landlock ABI 6 or later for files, TCP and the signal scope", () => {});
});

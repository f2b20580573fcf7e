import { expect, it } from "vitest";
import { runFixture } from "./support/child.js";

interface Outcome {
  readonly kind: string;
  readonly errno?: string;
  readonly op?: string;
}

it("gives resource-exhausted on EMFILE (prlimit --nofile=64), leaving no fd behind", () => {
  const report = runFixture<{
    filled: number;
    noSlot: Record<"auto" | "probe" | "capture", Outcome>;
    oneSlot: { device: Outcome; slotFreeAgain: boolean };
    fdsLeft: number;
  }>(new URL("./fixtures/fd-exhaustion.ts", import.meta.url), { nofile: 64 });
  expect(report.filled).toBeGreaterThan(0);
  const exhausted = { kind: "resource-exhausted", errno: "EMFILE", op: "open" };
  expect(report.noSlot).toEqual({ auto: exhausted, probe: exhausted, capture: exhausted });
  // The device fd took the last slot; it is closed again after USERFAULTFD_IOC_NEW fails.
  expect(report.oneSlot).toEqual({ device: exhausted, slotFreeAgain: true });
  expect(report.fdsLeft).toBe(0);
});

import { expect, it } from "vitest";
import { runFixture } from "./support/child.js";

interface Report {
  readonly outcomes: Record<string, number>;
  readonly fdsLeft: number;
}

// The work is bounded (10,000 negotiations); the timeout only guards a hang, so that a loaded machine passes.
const BOUNDED = { timeout: 120_000 };

const total = (outcomes: Record<string, number>) => Object.values(outcomes).reduce((sum, n) => sum + n, 0);

it("10,000 negotiations as root leave the fd count unchanged", BOUNDED, () => {
  const report = runFixture<Report>(new URL("./fixtures/many-negotiations.ts", import.meta.url));
  expect(total(report.outcomes)).toBe(10_000);
  for (const kind of ["ok", "unsupported", "unexpected", "kernel-rejected"]) {
    expect(report.outcomes[kind], kind).toBeGreaterThan(0);
  }
  expect(report.fdsLeft).toBe(0);
});

it("10,000 negotiations unprivileged leave the fd count unchanged", BOUNDED, () => {
  const report = runFixture<Report>(new URL("./fixtures/many-negotiations.ts", import.meta.url), {
    unprivileged: true,
  });
  expect(total(report.outcomes)).toBe(10_000);
  for (const kind of ["ok", "permission-denied", "unexpected", "kernel-rejected"]) {
    expect(report.outcomes[kind], kind).toBeGreaterThan(0);
  }
  expect(report.fdsLeft).toBe(0);
});

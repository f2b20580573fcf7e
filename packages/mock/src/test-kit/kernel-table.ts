import { it } from "vitest";
import { mockBackend } from "../index.js";
import type { MockBackend, MockOptions } from "../mock-options.js";
import { MOCK_SCENARIOS, type MockScenarioName } from "../scenarios.js";
import { validateMockOptions } from "../validate-options.js";

/**
 * One row of a kernel table:
 * - a `kernel` option value (`"6.8"`, `"5.10.226"`: whatever `MockOptions.kernel` accepts), named by itself;
 * - mock options (`{ kernel: "6.1.20", arch: "arm64" }`), named by their values unless `name` is given;
 * - a named scenario (`{ scenario: "docker-default" }`, see `MOCK_SCENARIOS`), with `options` replacing some of
 *   its fields, named by the scenario.
 */
export type KernelEntry =
  | MockOptions["kernel"]
  | (MockOptions & { readonly name?: string })
  | { readonly scenario: MockScenarioName; readonly options?: Partial<MockOptions>; readonly name?: string };

/** A row of a kernel table, ready for `it.each`/`describe.each` (`"on $name"` names each test by it). */
export interface KernelCase {
  /** How the row is named in test titles: the release, the scenario, or the options that differ. */
  readonly name: string;
  /** The complete mock options the row simulates (`common`, then the entry's own fields). */
  readonly options: MockOptions;
  /** A fresh mock backend for this row: call it once per test, so that call counts and open fds start at zero. */
  backend(): MockBackend;
}

function nameOf(options: MockOptions): string {
  const others = Object.entries(options)
    .filter(([key]) => key !== "kernel")
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return others.length ? `${options.kernel} (${others.join(", ")})` : options.kernel;
}

function caseOf(entry: KernelEntry, common: Partial<MockOptions>, index: number): KernelCase {
  const where = () => `kernel table entry ${index} (${JSON.stringify(entry)})`;
  if (
    typeof entry === "object" &&
    entry !== null &&
    "scenario" in entry &&
    !Object.hasOwn(MOCK_SCENARIOS, entry.scenario)
  )
    throw new TypeError(
      `${where()}: no scenario ${JSON.stringify(entry.scenario)}; expected one of ${Object.keys(MOCK_SCENARIOS).join(", ")}`,
    );
  const { name, ...given } =
    typeof entry === "string"
      ? { name: entry, kernel: entry }
      : "scenario" in entry
        ? {
            name: entry.name ?? entry.scenario,
            ...MOCK_SCENARIOS[entry.scenario].options,
            ...entry.options,
          }
        : entry;
  const checked = validateMockOptions({ ...common, ...given });
  if (checked.isErr()) throw new TypeError(`${where()}: ${checked.error.message}`);
  const options = checked.value;
  return { name: name ?? nameOf(options), options, backend: () => mockBackend(options) };
}

/**
 * A table of simulated kernels for `it.each`/`describe.each`, one `KernelCase` per entry, in order. `common`
 * options apply to every entry underneath its own fields (`{ capSysPtrace: true }` to simulate root
 * everywhere). Every entry is checked as `createMockBackend` checks untrusted options: an invalid one is a
 * `TypeError` naming the entry, its field and its value, raised while the tests are collected.
 *
 * @example
 * describe.each(kernelTable(["4.14", "5.15", "6.1.20", "6.8", { scenario: "docker-default" }]))(
 *   "on $name", ({ backend }) => { it("negotiates", () => expect(negotiate(policy, { backend: backend() })).toNegotiate()); });
 */
export function kernelTable(
  entries: readonly KernelEntry[],
  common: Partial<MockOptions> = {},
): KernelCase[] {
  return entries.map((entry, index) => caseOf(entry, common, index));
}

/** How `forEachKernel` names and builds its tests. */
export interface ForEachKernelOptions {
  /** Options every entry shares, underneath its own (see `kernelTable`). Default none. */
  readonly common?: Partial<MockOptions>;
  /** A test's title from its row. Default: `on <name>`. */
  readonly title?: (kernel: KernelCase) => string;
}

/**
 * One vitest test per entry of `kernelTable(entries)`, each with a fresh backend: the few lines that cover an
 * app's fleet. Call it inside a `describe` (or at the top of a test file).
 *
 * @example
 * forEachKernel(["4.14", "5.15", "6.8", { scenario: "gvisor" }], (backend) => {
 *   expect(negotiate(policy, { backend })).toNegotiate();
 * });
 */
export function forEachKernel(
  entries: readonly KernelEntry[],
  body: (backend: MockBackend, kernel: KernelCase) => void | Promise<void>,
  options: ForEachKernelOptions = {},
): void {
  for (const kernel of kernelTable(entries, options.common)) {
    it(options.title?.(kernel) ?? `on ${kernel.name}`, () => body(kernel.backend(), kernel));
  }
}

import type { Result } from "neverthrow";
import type { MockOptionsError } from "../mock-options.js";
import { landlockModelOf } from "./landlock-kernel-model.js";
import { SimulatedLandlock } from "./landlock-mock-backend.js";
import type { LandlockMockOptions, MockLandlockPort } from "./landlock-mock-options.js";
import { LANDLOCK_MOCK_SCENARIOS, type LandlockMockScenarioName } from "./landlock-scenarios.js";
import { invalidLandlockOption, validateLandlockMockOptions } from "./validate-landlock-options.js";

/**
 * A simulated Landlock kernel behind the Landlock port (see `MockLandlockPort`). Throws: TypeError for a field
 * outside its type (as `mockBackend`); use `createLandlockMockBackend` for untrusted input.
 */
export const landlockMockBackend = (options: LandlockMockOptions): MockLandlockPort => {
  const invalid = invalidLandlockOption(options);
  if (invalid) throw new TypeError(invalid.message);
  return new SimulatedLandlock(landlockModelOf(options));
};

/**
 * A simulated Landlock kernel from untrusted options: every field checked, and what the kernel makes impossible
 * (`build: "built"` before 5.13, a rejected scope the ABI lacks). Never throws; errors name field and value.
 */
export function createLandlockMockBackend(input: unknown): Result<MockLandlockPort, MockOptionsError> {
  return validateLandlockMockOptions(input).map((options) => new SimulatedLandlock(landlockModelOf(options)));
}

/** A simulated Landlock kernel for a named scenario; `overrides` replace its options field by field. */
export const landlockMockScenario = (
  name: LandlockMockScenarioName,
  overrides: Partial<LandlockMockOptions> = {},
): MockLandlockPort => landlockMockBackend({ ...LANDLOCK_MOCK_SCENARIOS[name].options, ...overrides });

export {
  LANDLOCK_ARCHES,
  LANDLOCK_MOCK_ARCHES,
  type LandlockArchDefinition,
  type LandlockMockArch,
  type LandlockSyscallNumbers,
} from "./landlock-arches.js";
export type {
  LandlockBuild,
  LandlockMockOptions,
  LandlockQuirks,
  MockFileKind,
  MockLandlockInfo,
  MockLandlockPort,
  MockRestriction,
} from "./landlock-mock-options.js";
export {
  LANDLOCK_MOCK_SCENARIOS,
  type LandlockMockScenario,
  type LandlockMockScenarioName,
} from "./landlock-scenarios.js";
export { validateLandlockMockOptions };

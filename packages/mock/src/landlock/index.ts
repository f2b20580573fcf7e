import { landlockModelOf } from "./landlock-kernel-model.js";
import { SimulatedLandlock } from "./landlock-mock-backend.js";
import type { LandlockMockOptions, MockLandlockPort } from "./landlock-mock-options.js";
import { LANDLOCK_MOCK_SCENARIOS, type LandlockMockScenarioName } from "./landlock-scenarios.js";

/** A simulated Landlock kernel behind the Landlock port (see `MockLandlockPort`); never fails. */
export const landlockMockBackend = (options: LandlockMockOptions): MockLandlockPort =>
  new SimulatedLandlock(landlockModelOf(options), options.paths);

/** A simulated Landlock kernel for a named scenario; `overrides` replace its options field by field. */
export const landlockMockScenario = (
  name: LandlockMockScenarioName,
  overrides: Partial<LandlockMockOptions> = {},
): MockLandlockPort => landlockMockBackend({ ...LANDLOCK_MOCK_SCENARIOS[name].options, ...overrides });

export { DEFAULT_MOCK_PATHS } from "./landlock-mock-backend.js";
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

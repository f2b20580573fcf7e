import type { HostProfile } from "@negotiate/core/engine";
import { err, ok, type Result } from "neverthrow";
import { landlockModelFromCapture } from "../from-capture.js";
import type { MockOptionsError } from "../mock-options.js";
import { landlockModelOf } from "./landlock-kernel-model.js";
import { SimulatedLandlock } from "./landlock-mock-backend.js";
import type {
  LandlockCaptureMissing,
  LandlockMockOptions,
  MockLandlockPort,
} from "./landlock-mock-options.js";
import { LANDLOCK_MOCK_SCENARIOS, type LandlockMockScenarioName } from "./landlock-scenarios.js";
import { invalidLandlockOption, validateLandlockMockOptions } from "./validate-landlock-options.js";

/**
 * A simulated Landlock kernel behind the Landlock port (see `MockLandlockPort`). Throws: TypeError for a field
 * outside its type (as `mockBackend`); use `createLandlockMockBackend` for untrusted input.
 */
export const landlockMockBackend = (options: LandlockMockOptions): MockLandlockPort => {
  const invalid = invalidLandlockOption(options);
  if (invalid) throw new TypeError(invalid.message);
  return new SimulatedLandlock(landlockModelOf(options), options.paths);
};

/**
 * A simulated Landlock kernel from untrusted options: every field checked, and what the kernel makes impossible
 * (`build: "built"` before 5.13, a rejected scope the ABI lacks). Never throws; errors name field and value.
 */
export function createLandlockMockBackend(input: unknown): Result<MockLandlockPort, MockOptionsError> {
  return validateLandlockMockOptions(input).map(
    (options) => new SimulatedLandlock(landlockModelOf(options), options.paths),
  );
}

/**
 * A simulated Landlock kernel that answers as a captured host did (`negotiate capture`, a version 2 profile).
 * Errors: `no-landlock-capture` for a profile without a `landlock` section (version 1).
 */
export function landlockMockFromCapture(
  profile: HostProfile,
): Result<MockLandlockPort, LandlockCaptureMissing> {
  const model = landlockModelFromCapture(profile);
  if (model) return ok(new SimulatedLandlock(model));
  return err({
    kind: "no-landlock-capture",
    message: `the host profile of ${profile.kernel.release} has no landlock section (a version ${profile.version} profile): capture it again with this version of negotiate`,
  });
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
export { DEFAULT_MOCK_PATHS } from "./landlock-mock-backend.js";
export type {
  LandlockBuild,
  LandlockCaptureMissing,
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

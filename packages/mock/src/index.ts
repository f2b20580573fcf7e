import type { Result } from "neverthrow";
import { modelFromCapture } from "./from-capture.js";
import { SimulatedBackend } from "./mock-backend.js";
import type { MockBackend, MockBackendFactory, MockOptionsError } from "./mock-options.js";
import { modelFromOptions } from "./simulated-kernel.js";
import { invalidOption, validateMockOptions } from "./validate-options.js";

/** A simulated kernel behind the core's backend port (see `MockBackend`). Throws: TypeError for a field outside its type. */
export const mockBackend: MockBackendFactory = Object.assign(
  (options: Parameters<MockBackendFactory>[0]): MockBackend => {
    const invalid = invalidOption(options);
    if (invalid) throw new TypeError(invalid.message);
    return new SimulatedBackend(modelFromOptions(options));
  },
  {
    fromCapture: (profile: Parameters<MockBackendFactory["fromCapture"]>[0]): MockBackend =>
      new SimulatedBackend(modelFromCapture(profile)),
  },
);

/** A simulated kernel from untrusted options (CLI flags, JSON): every field checked, errors name field and value. */
export function createMockBackend(input: unknown): Result<MockBackend, MockOptionsError> {
  return validateMockOptions(input).map((options) => new SimulatedBackend(modelFromOptions(options)));
}

export { DISTRO_PROFILES, type DistroFact, type DistroProfile, type FromKey } from "./distro-profiles.js";
export * from "./landlock/index.js";
export {
  DEFAULT_CALLER,
  type DeviceAccess,
  type InjectedFault,
  type KernelQuirks,
  type KernelRelease,
  MOCK_ARCHES,
  type MockArch,
  type MockBackend,
  type MockBackendFactory,
  type MockBackendInfo,
  type MockCallCounts,
  type MockOptions,
  type MockOptionsError,
  NEWEST_MODELLED_RELEASE,
} from "./mock-options.js";
export { MOCK_SCENARIOS, type MockScenario, type MockScenarioName, mockScenario } from "./scenarios.js";

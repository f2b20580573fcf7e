import { MOCK_ARCHES, type MockOptions } from "@negotiate/mock";
import fc from "fast-check";

/** Releases from 4.0 to 6.19, any patch level. */
export const releases = fc
  .record({ major: fc.integer({ min: 4, max: 6 }), minor: fc.nat(19), patch: fc.nat(200) })
  .map(({ major, minor, patch }) => `${major}.${minor}.${patch}` as MockOptions["kernel"]);

/** Random kernels: release, architecture, CAP_SYS_PTRACE and the release quirks; plus `more` option fields. */
export const environmentsWith = (
  more: { [Key in keyof MockOptions]?: fc.Arbitrary<MockOptions[Key]> } = {},
) =>
  fc.record(
    {
      kernel: releases,
      arch: fc.constantFrom(...MOCK_ARCHES),
      capSysPtrace: fc.boolean(),
      quirks: fc.record(
        { dropsUnknownBits: fc.boolean(), acceptsMaskedBits: fc.boolean() },
        { requiredKeys: [] },
      ),
      ...more,
    },
    { requiredKeys: ["kernel"] },
  ) as fc.Arbitrary<MockOptions>;

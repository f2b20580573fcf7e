// `@negotiate/core/landlock`: the Landlock catalogue and port, for the Linux and mock implementations.
export { createLandlockSession } from "./create-landlock-session.js";
export {
  LANDLOCK_ABIS,
  LANDLOCK_CATALOGUE,
  LANDLOCK_ERRATA,
  LANDLOCK_LAYER_LIMITS,
} from "./landlock-catalogue.js";
export {
  LANDLOCK_GROUPS,
  LANDLOCK_PREFIXES,
  type LandlockAbiDefinition,
  type LandlockErratumDefinition,
  type LandlockGroup,
  type LandlockMasks,
  type LandlockRightDefinition,
  type LandlockRightTarget,
  type LandlockRuleType,
} from "./landlock-definition.js";
export {
  LANDLOCK_GROUP_OFFSETS,
  masksOfSpace,
  spaceOfMasks,
  spaceOfNames,
} from "./landlock-feature-space.js";
export type { LandlockNegotiation } from "./landlock-interface.js";
export {
  EMPTY_LANDLOCK_MASKS,
  erratumBit,
  intersectLandlockMasks,
  LANDLOCK_FILE_RIGHTS,
  type LandlockCatalogueEntry,
  type LandlockRightName,
  type LandlockRightNameOf,
  landlockAbi,
  landlockAbiOfRelease,
  landlockErrataOf,
  landlockMasksAt,
  landlockMasksOf,
  landlockRight,
  landlockRightNames,
  NEWEST_LANDLOCK_ABI,
  parseLandlockRight,
  type UnknownLandlockRight,
} from "./landlock-lookup.js";
export {
  LANDLOCK_POLICY_DEFAULTS,
  type LandlockPolicy,
  type LandlockRuleSpec,
  type LandlockThreadsPolicy,
  type LandlockUnavailable,
} from "./landlock-policy.js";
export {
  isFdArgument,
  LANDLOCK_QUERY_FLAGS,
  LANDLOCK_RULE_TYPE_CODES,
  type LandlockPort,
  type LandlockPortInfo,
  type LandlockRule,
  RULESET_ATTR_FIELDS,
  RULESET_ATTR_MAX_SIZE,
  RULESET_ATTR_SIZE,
  type RulesetAttr,
  u32Flags,
} from "./landlock-port.js";
export {
  LANDLOCK_CHANNEL,
  type LandlockChannel,
  landlockNegotiationPort,
} from "./landlock-port-calls.js";
export { LANDLOCK_QUIRKS, type LandlockQuirk, landlockQuirkOf } from "./landlock-quirks.js";
export type {
  LandlockCoverage,
  LandlockEnforcement,
  LandlockEnforceOptions,
  LandlockGrant,
  LandlockRightReport,
  LandlockRightStatus,
  LandlockRuleReport,
  LandlockSession,
} from "./landlock-session.js";
export {
  type LandlockNegotiateOptions,
  negotiateLandlock,
  negotiateLandlockGrant,
} from "./negotiate-landlock.js";

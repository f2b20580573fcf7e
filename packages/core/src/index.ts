export type {
  ApiFailure,
  ApiReply,
  Backend,
  BackendInfo,
  Denial,
  OpenMode,
  OpenRequest,
  SyscallFailure,
} from "./backend/backend-port.js";
export { OPEN_MODES } from "./backend/backend-port.js";
export type { CapturedOutcome, HostProfile } from "./backend/host-profile.js";
export {
  decodeHostProfile,
  encodeHostProfile,
  type HostProfileError,
} from "./backend/host-profile-codec.js";
export {
  type CanonicalFeatureName,
  catalogue,
  type FeatureName,
  type FeatureNameInput,
} from "./catalogue/catalogue.js";
export type { BuildRequirement, Capability, FeatureDefinition } from "./catalogue/feature-definition.js";
export {
  type CatalogueEntry,
  featureAtBit,
  featureBit,
  featureDefinition,
  KNOWN_FEATURES_MASK,
  parseFeatureName,
  suggestFeatureNames,
  type UnknownFeatureName,
} from "./catalogue/feature-lookup.js";
export { ERRNO_CODES, type Errno, errnoCode, errnoName, isErrno } from "./errno.js";
export {
  describeCause,
  type MissingFeature,
  type NegotiationError,
  type NegotiationErrorKind,
  type OpenAttempt,
  type PermissionCause,
  type PolicyIssue,
  permissionHint,
} from "./errors.js";
export { FeatureSet, type InvalidFeatureMask } from "./feature-set.js";
export {
  compareKernelVersions,
  formatKernelVersion,
  type InvalidKernelRelease,
  type KernelVersion,
  kernelAtLeast,
  parseKernelRelease,
} from "./kernel-release.js";
export { withImplied } from "./negotiation/decision.js";
export { Knowledge, processKnowledge } from "./negotiation/knowledge.js";
export { type NegotiateOptions, negotiate } from "./negotiation/negotiate.js";
export { UFFD_API } from "./negotiation/port-calls.js";
export { type Capabilities, type OpenModeReport, probe } from "./negotiation/probe.js";
export type { NegotiationWarning, Route, Session } from "./negotiation/session.js";
export type { TraceEntry } from "./negotiation/trace.js";
export { definePolicy, type OptionalNames, type RequiredNames } from "./policy/define-policy.js";
export { lintPolicy } from "./policy/lint-policy.js";
export { loadPolicy } from "./policy/load-policy.js";
export { type ParsePolicyOptions, parsePolicy } from "./policy/parse-policy.js";
export {
  type EnabledFeatures,
  type OnMissingOptional,
  type OnReject,
  type OpenPolicy,
  POLICY_DEFAULTS,
  type Policy,
  type StrategyName,
  type UserModeOnlyPolicy,
} from "./policy/policy.js";
export {
  FEATURE_NAME_SPELLINGS,
  type PolicyDocument,
  PolicyDocumentCodec,
  PolicyFileCodec,
  type PolicyFormat,
  type PolicyInput,
  PRESET_NAMES,
  PRESET_PREFIX,
  type PresetName,
  type PresetReference,
} from "./policy/policy-document.js";
export { formatPolicyIssue, type PolicyError } from "./policy/policy-issue.js";
export { POLICY_PRESETS, type PolicyPreset } from "./policy/presets.js";
export { policyToDocument, stringifyPolicy } from "./policy/write-policy.js";

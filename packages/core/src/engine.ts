// The negotiation engine: catalogue, feature sets, the backend port, strategies, errors. No policy files and no
// profile codecs, so that whatever needs only this (backends, the CLI's probe) loads neither yaml nor io-ts.

export type { CapturedOutcome, HostProfile } from "./backend/host-profile.js";
export {
  ERRNO_CODES,
  type Errno,
  errnoCode,
  errnoName,
  isErrno,
  isExhaustionErrno,
  isPermissionErrno,
} from "./errno.js";
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
export {
  compareKernelVersions,
  formatKernelVersion,
  type InvalidKernelRelease,
  type KernelVersion,
  kernelAtLeast,
  parseKernelRelease,
} from "./kernel-release.js";
export type {
  Decision,
  NegotiationPlan,
  Outcome,
  PlanInput,
} from "./negotiation/decision.js";
export { explainTrace, openCall } from "./negotiation/explain-trace.js";
export type { StepOutcome, Strategy } from "./negotiation/handshake.js";
export type { Grant, InterfaceDefinition, InterfaceFeature } from "./negotiation/interface-definition.js";
export { defineKernelInterface, type KernelInterface } from "./negotiation/kernel-interface.js";
export { type NegotiateOptions, negotiate } from "./negotiation/negotiate.js";
export type {
  MultiNegotiateOptions,
  MultiPolicyOf,
  MultiSession,
  MultiSessionBase,
} from "./negotiation/negotiate-multi.js";
export {
  Knowledge,
  PlanCache,
  type PortKnowledge,
  processKnowledge,
} from "./negotiation/negotiation-cache.js";
export type {
  ChannelAttempt,
  NegotiationPort,
  PortAnswer,
  PortChannel,
} from "./negotiation/negotiation-port.js";
export type { NegotiationWarning, Route } from "./negotiation/negotiation-report.js";
export type { TraceEntry } from "./negotiation/trace.js";
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
export { UNSAFE_CHARACTERS } from "./policy/quote-value.js";
export { STRATEGIES } from "./strategies/strategies.js";
export {
  ARCH_NAMES,
  ARCHES,
  type ArchDefinition,
  type ArchName,
  archDefinition,
  CPU_EXTENSIONS,
  type CpuExtension,
  MASKING_SINCE,
  type Provision,
} from "./userfaultfd/arches.js";
export type {
  ApiFailure,
  ApiReply,
  Backend,
  BackendInfo,
  Denial,
  OpenMode,
  OpenRequest,
  SyscallFailure,
} from "./userfaultfd/backend-port.js";
export { OPEN_MODES } from "./userfaultfd/backend-port.js";
export {
  type CanonicalFeatureName,
  catalogue,
  type FeatureName,
  type FeatureNameInput,
} from "./userfaultfd/catalogue.js";
export type { BuildRequirement, Capability, FeatureDefinition } from "./userfaultfd/feature-definition.js";
export {
  type CatalogueEntry,
  featureAtBit,
  featureBit,
  featureDefinition,
  KNOWN_FEATURES_MASK,
  parseFeatureName,
  suggestFeatureNames,
  type UnknownFeatureName,
} from "./userfaultfd/feature-lookup.js";
export { FeatureSet, type InvalidFeatureMask } from "./userfaultfd/feature-set.js";
export { UFFD_API, type UserfaultfdChannel, userfaultfdNegotiationPort } from "./userfaultfd/port-calls.js";
export { type Capabilities, type OpenModeReport, probe } from "./userfaultfd/probe.js";
export type { Session } from "./userfaultfd/session.js";
export { withImplied } from "./userfaultfd/userfaultfd-interface.js";

export {
  decodeHostProfile,
  encodeHostProfile,
  type HostProfileError,
} from "./backend/host-profile-codec.js";
export * from "./engine.js";
export {
  definePolicy,
  type LandlockOptional,
  type LandlockRequired,
  type OptionalNames,
  type RequiredNames,
} from "./policy/define-policy.js";
export { lintPolicy } from "./policy/lint-policy.js";
export { loadMultiPolicy } from "./policy/load-multi-policy.js";
export { loadPolicy } from "./policy/load-policy.js";
export { type MultiPolicy, POLICY_SECTIONS, type PolicySection } from "./policy/multi-policy.js";
export {
  type MultiPolicyDocument,
  type MultiPolicyInput,
  SHARED_KNOBS,
  type SharedKnob,
} from "./policy/multi-policy-document.js";
export { parseMultiPolicy } from "./policy/parse-multi-policy.js";
export { type ParsePolicyOptions, parsePolicy } from "./policy/parse-policy.js";
export { MultiPolicyDocumentCodec, PolicyDocumentCodec, PolicyFileCodec } from "./policy/policy-codecs.js";
export {
  FEATURE_NAME_SPELLINGS,
  FORMAT_VERSIONS,
  type FormatVersion,
  MAX_RULE_PATH_BYTES,
  type PolicyDocument,
  type PolicyFormat,
  type PolicyInput,
  PRESET_NAMES,
  PRESET_PREFIX,
  type PresetName,
  type PresetReference,
} from "./policy/policy-document.js";
export { formatPolicyIssue, type PolicyError } from "./policy/policy-issue.js";
export {
  type LandlockOrigins,
  landlockOriginsOf,
  type Origin,
  originsOf,
  type PolicyOrigins,
} from "./policy/policy-origins.js";
export { POLICY_PRESETS, type PolicyPreset } from "./policy/presets.js";
export {
  type BoundedFile,
  type FileReadFailure,
  MAX_FILE_BYTES,
  readBoundedFile,
} from "./policy/read-bounded-file.js";
export { policyToDocument, stringifyPolicy } from "./policy/write-policy.js";

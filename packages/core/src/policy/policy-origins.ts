import type { FeatureName } from "../userfaultfd/catalogue.js";
import type { IssueSite, PathSegment } from "./policy-issue.js";

/** Where a value of a resolved policy was declared: a document and a path in it. */
export interface Origin {
  readonly site: IssueSite;
  readonly segments: readonly PathSegment[];
}

/** The scalar fields of a policy, which a later layer overrides. */
export const SCALAR_FIELDS = [
  "strategy",
  "onReject",
  "onMissingOptional",
  "open",
  "userModeOnly",
  "closeOnExec",
  "nonBlocking",
  "verify",
  "minKernel",
] as const;

export type ScalarField = (typeof SCALAR_FIELDS)[number];

/** Where each part of a resolved policy came from, for lints and for messages. */
export interface PolicyOrigins {
  /** The entry that gave each listed feature its final status (required, optional or forbidden). */
  readonly features: ReadonlyMap<FeatureName, Origin>;
  /** Each `oneOf` group of the policy: the group and each alternative. */
  readonly groups: readonly { readonly origin: Origin; readonly alternatives: readonly Origin[] }[];
  /** The document and path of each scalar field that a document set. */
  readonly fields: ReadonlyMap<ScalarField, Origin>;
}

const origins = new WeakMap<object, PolicyOrigins>();

/** Records where the parts of a policy built by the policy module came from. */
export function recordOrigins(policy: object, policyOrigins: PolicyOrigins): void {
  origins.set(policy, policyOrigins);
}

/** Where the parts of a policy built by the policy module came from; `undefined` for one built by hand. */
export function originsOf(policy: object): PolicyOrigins | undefined {
  return origins.get(policy);
}

/** Where each part of a resolved Landlock section came from. */
export interface LandlockOrigins {
  /** The entry that gave each listed right its final status. */
  readonly rights: ReadonlyMap<string, Origin>;
  /** Each rule of the section, in its order: the first rule equal to it. */
  readonly rules: readonly Origin[];
  /** The document and path of each scalar field that a document set. */
  readonly fields: ReadonlyMap<string, Origin>;
}

const landlockOrigins = new WeakMap<object, LandlockOrigins>();

/** Records where the parts of a Landlock section built by the policy module came from. */
export function recordLandlockOrigins(section: object, sectionOrigins: LandlockOrigins): void {
  landlockOrigins.set(section, sectionOrigins);
}

/** Where the parts of a Landlock section built by the policy module came from; `undefined` for one built by hand. */
export function landlockOriginsOf(section: object): LandlockOrigins | undefined {
  return landlockOrigins.get(section);
}

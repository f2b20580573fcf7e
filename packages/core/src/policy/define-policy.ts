import type { Result } from "neverthrow";
import type { LANDLOCK_PREFIXES, LandlockGroup } from "../landlock/landlock-definition.js";
import type { LandlockRightName } from "../landlock/landlock-lookup.js";
import type { LandlockPolicy } from "../landlock/landlock-policy.js";
import type { CanonicalFeatureName, FeatureName } from "../userfaultfd/catalogue.js";
import type { MultiPolicy } from "./multi-policy.js";
import type { MultiPolicyInput } from "./multi-policy-document.js";
import type { Policy } from "./policy.js";
import type { PolicyInput, PresetName, PresetReference } from "./policy-document.js";
import type { PolicyError } from "./policy-issue.js";
import type { POLICY_PRESETS } from "./presets.js";
import { validateDeclaredPolicy } from "./validate-policy.js";

/**
 * A policy written in code, validated exactly like a policy file. The result is typed from the document:
 * `definePolicy({ features: { required: ["MISSING_SHMEM"], optional: ["THREAD_ID"] } })` gives
 * `Result<Policy<"MISSING_SHMEM", "THREAD_ID">, PolicyError>`, so a session's `enabled.MISSING_SHMEM` is
 * `true` and `enabled.THREAD_ID` a `boolean`. `oneOf` alternatives count as optional names, and `extends`
 * presets contribute theirs. Names may carry the `UFFD_FEATURE_` prefix; `as const` is not needed.
 * Total: anything that is not a document (`null`, a Proxy, a throwing getter) is an `invalid-policy` error.
 */
export function definePolicy<const D extends PolicyInput>(
  document: D,
): Result<Policy<Evaluated<RequiredNames<D>>, Evaluated<OptionalNames<D>>>, PolicyError>;
/**
 * A version 2 policy written in code (`version: 2` required), validated like a version 2 file. Typed per
 * section: `definePolicy({ version: 2, userfaultfd: { optional: ["THREAD_ID"] }, landlock: { required:
 * ["READ_FILE"] } })` gives `Result<MultiPolicy<never, "THREAD_ID", "READ_FILE", never>, PolicyError>`, so that
 * `session.userfaultfd.enabled.THREAD_ID` is a `boolean` and `session.landlock.enabled.READ_FILE` is `true`.
 * `extends` presets are userfaultfd layers; Landlock names may carry their `LANDLOCK_…` prefix.
 */
export function definePolicy<const D extends MultiPolicyInput>(
  document: D,
): Result<
  MultiPolicy<
    Evaluated<RequiredNames<UserfaultfdLayer<D>>>,
    Evaluated<OptionalNames<UserfaultfdLayer<D>>>,
    LandlockRequired<D>,
    LandlockOptional<D>
  > &
    DeclaredSections<D>,
  PolicyError
>;
export function definePolicy(document: PolicyInput | MultiPolicyInput): Result<never, PolicyError> {
  // The names are checked at run time; the overloads give them their types.
  return validateDeclaredPolicy({ kind: "code", value: document }) as Result<never, PolicyError>;
}

// The sections a document written in code declares are there: its session's sub-sessions are not optional.
type DeclaredSections<D> = (D extends { readonly userfaultfd: object }
  ? {
      readonly userfaultfd: Policy<
        Evaluated<RequiredNames<UserfaultfdLayer<D>>>,
        Evaluated<OptionalNames<UserfaultfdLayer<D>>>
      >;
    }
  : unknown) &
  (D extends { readonly landlock: object }
    ? { readonly landlock: LandlockPolicy<LandlockRequired<D>, LandlockOptional<D>> }
    : unknown);

// A version 2 document's userfaultfd section, read as a version 1 document with the same `extends`.
type UserfaultfdLayer<D> = (D extends { readonly extends: infer E } ? { readonly extends: E } : unknown) &
  (D extends { readonly userfaultfd: infer S } ? { readonly features: S } : unknown);

type LandlockList<D, K extends string> = D extends {
  readonly landlock: { readonly [P in K]: infer L };
}
  ? L
  : readonly [];

// `LANDLOCK_ACCESS_FS_READ_FILE` is `READ_FILE`.
type BareLandlockName<N> =
  N extends `${(typeof LANDLOCK_PREFIXES)[LandlockGroup]}${infer Bare extends LandlockRightName}`
    ? Bare
    : N & LandlockRightName;

type LandlockNamesIn<L> = L extends readonly (infer N)[] ? BareLandlockName<N> : never;

type LandlockForbidden<D> = LandlockNamesIn<LandlockList<D, "forbidden">>;

/** The Landlock rights a version 2 policy written in code guarantees: `true` in a session's `enabled`. */
export type LandlockRequired<D> =
  IsLiteralList<LandlockList<D, "required">> extends true
    ? Exclude<LandlockNamesIn<LandlockList<D, "required">>, LandlockForbidden<D>>
    : never;

/** The Landlock rights a version 2 policy written in code may get: `boolean` in a session's `enabled`. */
export type LandlockOptional<D> = Exclude<
  | LandlockNamesIn<LandlockList<D, "optional">>
  | (IsLiteralList<LandlockList<D, "required">> extends true
      ? never
      : LandlockNamesIn<LandlockList<D, "required">>),
  LandlockForbidden<D> | LandlockRequired<D>
>;

/** The feature names a policy written in code guarantees: `true` in a session's `enabled`. */
export type RequiredNames<D> = Resolved<D>["required"];

/** The feature names a policy written in code may get: `boolean` in a session's `enabled`. */
export type OptionalNames<D> =
  | Resolved<D>["optional"]
  | Exclude<Resolved<D>["groups"], Resolved<D>["forbidden"]>;

// Shows the names themselves rather than the alias that computes them (editors, error messages).
type Evaluated<N> = N extends FeatureName ? N : never;

// The type-level mirror of `mergeLayers`: the same fold over the same layers, on names.
interface Names {
  readonly required: FeatureName;
  readonly optional: FeatureName;
  readonly forbidden: FeatureName;
  readonly groups: FeatureName;
}

interface Nothing extends Names {
  readonly required: never;
  readonly optional: never;
  readonly forbidden: never;
  readonly groups: never;
}

type Resolved<D> = Apply<Fold<Nothing, ExtendsOf<D>>, LayerOf<D>>;

type Fold<S extends Names, Bases> = Bases extends readonly [infer Base, ...infer Rest]
  ? Fold<Apply<S, BaseLayer<Base>>, Rest>
  : Bases extends readonly []
    ? S
    : Apply<S, Unknown>;

type Apply<S extends Names, L extends Names> = {
  readonly required: Exclude<S["required"], L["optional"] | L["forbidden"]> | L["required"];
  readonly optional: Exclude<S["optional"], L["required"] | L["forbidden"]> | L["optional"];
  readonly forbidden: Exclude<S["forbidden"], L["required"] | L["optional"] | L["groups"]> | L["forbidden"];
  readonly groups: Exclude<S["groups"], L["forbidden"]> | L["groups"];
};

// A base the types cannot see (a widened `extends`) may list any feature, as optional at most.
interface Unknown extends Names {
  readonly required: never;
  readonly optional: FeatureName;
  readonly forbidden: never;
  readonly groups: never;
}

type BaseLayer<Reference> = Reference extends `preset:${infer Name extends PresetName}`
  ? LayerOf<(typeof POLICY_PRESETS)[Name]["document"]>
  : Unknown;

type ExtendsOf<D> = D extends { readonly extends: infer E }
  ? E extends readonly PresetReference[]
    ? E
    : readonly [E]
  : readonly [];

type ListOf<D, K extends string> = D extends { readonly features: { readonly [P in K]: infer L } }
  ? L
  : readonly [];

type NamesIn<L> = L extends readonly (infer N)[]
  ? N extends string
    ? CanonicalFeatureName<N> & FeatureName
    : never
  : never;

// A list whose entries the compiler does not know (a widened `string[]`) cannot promise anything: its
// required names become optional ones.
type IsLiteralList<L> = L extends readonly unknown[] ? (number extends L["length"] ? false : true) : false;

interface LayerOf<D> extends Names {
  readonly required: IsLiteralList<ListOf<D, "required">> extends true
    ? NamesIn<ListOf<D, "required">>
    : never;
  readonly optional:
    | NamesIn<ListOf<D, "optional">>
    | (IsLiteralList<ListOf<D, "required">> extends true ? never : NamesIn<ListOf<D, "required">>);
  readonly forbidden: NamesIn<ListOf<D, "forbidden">>;
  readonly groups: ListOf<D, "oneOf"> extends readonly (infer G)[] ? NamesIn<G> : never;
}

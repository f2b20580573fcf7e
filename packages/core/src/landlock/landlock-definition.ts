/**
 * The groups a Landlock request spans, one bigint mask each:
 * - `fs`: `handled_access_fs` of `struct landlock_ruleset_attr` and `allowed_access` of a path-beneath rule
 *   (`LANDLOCK_ACCESS_FS_*`);
 * - `net`: `handled_access_net` and `allowed_access` of a net-port rule (`LANDLOCK_ACCESS_NET_*`, ABI 4);
 * - `scope`: the `scoped` field (`LANDLOCK_SCOPE_*`, ABI 6); scopes take no rules;
 * - `restrict`: the `flags` of `landlock_restrict_self` (`LANDLOCK_RESTRICT_SELF_*`, ABI 7);
 * - `rule`: the `flags` of `landlock_add_rule` (`LANDLOCK_ADD_RULE_*`, ABI 10).
 */
export type LandlockGroup = "fs" | "net" | "scope" | "restrict" | "rule";

/** Every group, in the order of the kernel structs and calls. */
export const LANDLOCK_GROUPS: readonly LandlockGroup[] = ["fs", "net", "scope", "restrict", "rule"];

/** A Landlock request or capability as one mask per group (all bigint; a missing right is a 0 bit). */
export type LandlockMasks = { readonly [Group in LandlockGroup]: bigint };

/** The prefix of the kernel's spelling of each group's names (`LANDLOCK_ACCESS_FS_READ_FILE`). */
export const LANDLOCK_PREFIXES = {
  fs: "LANDLOCK_ACCESS_FS_",
  net: "LANDLOCK_ACCESS_NET_",
  scope: "LANDLOCK_SCOPE_",
  restrict: "LANDLOCK_RESTRICT_SELF_",
  rule: "LANDLOCK_ADD_RULE_",
} as const satisfies { readonly [Group in LandlockGroup]: string };

/**
 * Where a filesystem right may be granted by a path-beneath rule: `file` rights are valid on any inode (a
 * regular file or a directory), `directory` rights only on a directory (the kernel answers EINVAL otherwise).
 */
export type LandlockRightTarget = "file" | "directory";

/**
 * One row of the Landlock catalogue: one bit of one group.
 * Adding a right is adding one such row to `landlock-catalogue.ts`.
 */
export interface LandlockRightDefinition<Name extends string = string> {
  /** The kernel's name without its group prefix (`READ_FILE`, `BIND_TCP`, `SIGNAL`, `TSYNC`). */
  readonly name: Name;
  readonly group: LandlockGroup;
  /** Bit position in the group's u64 (restrict and rule flags: u32) mask. */
  readonly bit: number;
  /** The Landlock ABI version that introduced it. */
  readonly abi: number;
  /** `fs` rights only: where a rule may grant it. */
  readonly target?: LandlockRightTarget;
  /** One line a person can read. */
  readonly description: string;
  /** Where the fact comes from. */
  readonly source: string;
}

/** The rule types of `landlock_add_rule`. */
export type LandlockRuleType = "path-beneath" | "net-port";

/** One row of the ABI table: what a Landlock ABI version is, and where it started. */
export interface LandlockAbiDefinition {
  /** The number `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)` returns. */
  readonly abi: number;
  /** First mainline release with it, `major.minor`. */
  readonly since: string;
  /** Bytes of `struct landlock_ruleset_attr` this ABI knows: non-zero bytes past them give E2BIG. */
  readonly rulesetAttrSize: number;
  /** Rule types `landlock_add_rule` accepts (others: EINVAL). */
  readonly ruleTypes: readonly LandlockRuleType[];
  /** `LANDLOCK_CREATE_RULESET_ERRATA` is answered (from ABI 7; earlier kernels only with a stable backport). */
  readonly errataQuery: boolean;
  readonly source: string;
}

/** One row of the errata table: a fix the `LANDLOCK_CREATE_RULESET_ERRATA` query reports as a bit. */
export interface LandlockErratumDefinition {
  /** The erratum's number (`LANDLOCK_ERRATUM(n)`); its bit in the mask is `1 << (n - 1)`. */
  readonly erratum: number;
  /** The ABI the fixed behaviour belongs to: only errata for ABIs up to the kernel's are reported. */
  readonly abi: number;
  /** First mainline release reporting it, `major.minor` (backported to stable trees too). */
  readonly since: string;
  readonly fixes: string;
  /**
   * The rights a kernel without the fix enforces weaker than documented: `names` of `group`, or every right of
   * `group` when `names` is absent. A session reports such a right `degraded` when the kernel's mask lacks the bit.
   */
  readonly affects: { readonly group: LandlockGroup; readonly names?: readonly string[] };
  readonly source: string;
}

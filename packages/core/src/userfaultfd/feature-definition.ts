/**
 * What a feature needs from the kernel build or the CPU besides a recent enough release.
 * - `uffd-wp`: write-protect page-table support (x86_64 since 5.7, arm64 since 6.10, riscv64 with a CPU
 *   extension, absent on most 32-bit arches).
 * - `minor-faults`: `CONFIG_HAVE_ARCH_USERFAULTFD_MINOR`.
 * - `pte-markers`: `CONFIG_PTE_MARKER_UFFD_WP` (only built where `uffd-wp` is).
 */
export type BuildRequirement = "uffd-wp" | "minor-faults" | "pte-markers";

/** A capability a feature needs at `UFFDIO_API` time. */
export type Capability = "CAP_SYS_PTRACE";

/**
 * One row of the feature catalogue: everything the SDK knows about one `UFFD_FEATURE_*` bit.
 * Adding a feature is adding one such row to `catalogue.ts`.
 */
export interface FeatureDefinition<Name extends string = string> {
  /** The kernel's name without the `UFFD_FEATURE_` prefix, e.g. `THREAD_ID`. */
  readonly name: Name;
  /** Bit position in the u64 `features` mask (0..63). Bit 31 is kernel-internal and never a feature. */
  readonly bit: number;
  /** First mainline release that knows the bit, as `major.minor`. */
  readonly since: string;
  /** Capability the caller must hold (in the initial user namespace) to request it; none by default. */
  readonly capability?: Capability;
  /** Features the kernel enables too when this one is requested (WP_ASYNC implies WP_UNPOPULATED). */
  readonly implies: readonly Name[];
  /** Build or architecture support without which the kernel masks the bit out of the supported set. */
  readonly needs: readonly BuildRequirement[];
  /** One line a person can read. */
  readonly description: string;
}

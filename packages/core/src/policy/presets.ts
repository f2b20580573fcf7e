import type { PolicyInput, PresetName } from "./policy-document.js";

/** A shipped preset: what it is for, and its document. Presets extend nothing. */
export interface PolicyPreset {
  /** What workload the preset is for, and why it asks what it asks. */
  readonly description: string;
  readonly document: Omit<PolicyInput, "extends" | "version">;
}

/**
 * Policies for known workloads, extended with `extends: preset:<name>`. Each is also written out, with
 * comments, as `examples/policies/<name>.yaml` (a test keeps the two equal).
 */
export const POLICY_PRESETS = {
  /** Nothing beyond the base API: missing-page faults on private anonymous memory. */
  minimal: {
    description:
      "A uffd with no optional feature: missing-page faults on private anonymous memory, which every kernel since 4.3 gives. The base to build a policy on.",
    document: { name: "minimal", features: {} },
  },
  /**
   * QEMU's postcopy live migration (destination side). QEMU probes the supported set on a temporary fd, then
   * asks only for supported bits: THREAD_ID (for blocktime statistics), MISSING_HUGETLBFS and MISSING_SHMEM
   * (guest RAM backed by huge pages or shared memory). Guest memory is also touched by KVM inside the kernel,
   * whose faults UFFD_USER_MODE_ONLY would not deliver, so that mode is forbidden.
   */
  "live-migration-postcopy": {
    description:
      "Postcopy live migration as QEMU asks: probe first, then THREAD_ID, MISSING_HUGETLBFS and MISSING_SHMEM when supported; never user-mode-only, since KVM touches guest memory from the kernel. Extend it and require MISSING_HUGETLBFS or MISSING_SHMEM when guest RAM is backed by huge pages or shared memory.",
    document: {
      name: "live-migration-postcopy",
      features: { optional: ["THREAD_ID", "MISSING_HUGETLBFS", "MISSING_SHMEM"] },
      strategy: "probe",
      userModeOnly: "forbid",
    },
  },
  /**
   * CRIU's lazy restore (`criu restore --lazy-pages`). CRIU probes once, then asks for the four
   * non-cooperative events it tracks the restored tree with (fork, mremap, munmap, madvise) intersected with
   * what the kernel supports; without them it falls back to a single-process mode, so they are optional and
   * a missing one is a warning. EVENT_FORK needs CAP_SYS_PTRACE; without it the negotiation drops it.
   */
  "lazy-restore": {
    description:
      "Lazy restore of a process tree as CRIU asks: probe first, then EVENT_FORK, EVENT_REMAP, EVENT_UNMAP and EVENT_REMOVE when supported, warning about any missing one; never user-mode-only, since the restored process's system calls touch lazy memory from the kernel.",
    document: {
      name: "lazy-restore",
      features: { optional: ["EVENT_FORK", "EVENT_REMAP", "EVENT_UNMAP", "EVENT_REMOVE"] },
      strategy: "probe",
      onMissingOptional: "warn",
      userModeOnly: "forbid",
    },
  },
  /**
   * Write-protect snapshots (QEMU's background snapshot, or any copy-on-write checkpoint): write faults must
   * stop the writer until the old page is saved, so PAGEFAULT_FLAG_WP is required and WP_ASYNC, which lets the
   * kernel resolve write faults itself, is forbidden. WP_UNPOPULATED tracks never-touched pages too;
   * WP_HUGETLBFS_SHMEM extends tracking to huge pages and shared memory.
   */
  "write-protect-snapshots": {
    description:
      "Write-protect snapshots (QEMU background snapshot style): PAGEFAULT_FLAG_WP required, WP_UNPOPULATED and WP_HUGETLBFS_SHMEM when supported, WP_ASYNC forbidden because a snapshot must copy a page before the write goes on; never user-mode-only, since the kernel writes guest memory too.",
    document: {
      name: "write-protect-snapshots",
      features: {
        required: ["PAGEFAULT_FLAG_WP"],
        optional: ["WP_UNPOPULATED", "WP_HUGETLBFS_SHMEM"],
        forbidden: ["WP_ASYNC"],
      },
      userModeOnly: "forbid",
    },
  },
} as const satisfies Record<PresetName, PolicyPreset>;

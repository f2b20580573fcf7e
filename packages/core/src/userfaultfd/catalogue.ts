import type { FeatureDefinition } from "./feature-definition.js";

// From §3 and §4 of the userfaultfd reference. One row per feature; order is by bit.
export const catalogue = [
  {
    name: "PAGEFAULT_FLAG_WP",
    bit: 0,
    since: "5.7",
    implies: [],
    needs: ["uffd-wp"],
    description:
      "Write-protect faults: register ranges in WP mode and resolve them with UFFDIO_WRITEPROTECT.",
  },
  {
    name: "EVENT_FORK",
    bit: 1,
    since: "4.11",
    capability: "CAP_SYS_PTRACE",
    implies: [],
    needs: [],
    description: "Fork events: the child's registered ranges get a new uffd, delivered to the parent's fd.",
  },
  {
    name: "EVENT_REMAP",
    bit: 2,
    since: "4.11",
    implies: [],
    needs: [],
    description: "mremap() events for registered ranges.",
  },
  {
    name: "EVENT_REMOVE",
    bit: 3,
    since: "4.11",
    implies: [],
    needs: [],
    description: "madvise(MADV_REMOVE/MADV_DONTNEED) events for registered ranges.",
  },
  {
    name: "MISSING_HUGETLBFS",
    bit: 4,
    since: "4.11",
    implies: [],
    needs: [],
    description: "Missing-page faults on hugetlbfs mappings.",
  },
  {
    name: "MISSING_SHMEM",
    bit: 5,
    since: "4.11",
    implies: [],
    needs: [],
    description: "Missing-page faults on shared memory (shmem/tmpfs) mappings.",
  },
  {
    name: "EVENT_UNMAP",
    bit: 6,
    since: "4.11",
    implies: [],
    needs: [],
    description: "munmap() events for registered ranges.",
  },
  {
    name: "SIGBUS",
    bit: 7,
    since: "4.14",
    implies: [],
    needs: [],
    description: "Missing-page faults raise SIGBUS in the faulting thread instead of queueing a message.",
  },
  {
    name: "THREAD_ID",
    bit: 8,
    since: "4.14",
    implies: [],
    needs: [],
    description: "Fault messages carry the faulting thread's id.",
  },
  {
    name: "MINOR_HUGETLBFS",
    bit: 9,
    since: "5.13",
    implies: [],
    needs: ["minor-faults"],
    description: "Minor faults on hugetlbfs: the page is in the page cache but not mapped (UFFDIO_CONTINUE).",
  },
  {
    name: "MINOR_SHMEM",
    bit: 10,
    since: "5.14",
    implies: [],
    needs: ["minor-faults"],
    description:
      "Minor faults on shared memory: the page is in the page cache but not mapped (UFFDIO_CONTINUE).",
  },
  {
    name: "EXACT_ADDRESS",
    bit: 11,
    since: "5.18",
    implies: [],
    needs: [],
    description: "Fault messages carry the exact faulting address, not the page-aligned one.",
  },
  {
    name: "WP_HUGETLBFS_SHMEM",
    bit: 12,
    since: "5.19",
    implies: [],
    needs: ["uffd-wp", "pte-markers"],
    description: "Write-protect faults on hugetlbfs and shared memory too.",
  },
  {
    name: "WP_UNPOPULATED",
    bit: 13,
    since: "6.4",
    implies: [],
    needs: ["uffd-wp", "pte-markers"],
    description: "Write-protecting an unpopulated range installs markers, so first writes fault too.",
  },
  {
    name: "POISON",
    bit: 14,
    since: "6.6",
    implies: [],
    needs: [],
    description: "UFFDIO_POISON: mark pages as poisoned so that access raises SIGBUS.",
  },
  {
    name: "WP_ASYNC",
    bit: 15,
    since: "6.7",
    implies: ["WP_UNPOPULATED"],
    needs: ["uffd-wp", "pte-markers"],
    description:
      "Asynchronous write-protect: the kernel resolves WP faults itself (dirty tracking via PAGEMAP_SCAN).",
  },
  {
    name: "MOVE",
    bit: 16,
    since: "6.8",
    implies: [],
    needs: [],
    description: "UFFDIO_MOVE: move pages into the registered range instead of copying them.",
  },
] as const satisfies readonly FeatureDefinition[];

/** Every feature name the catalogue knows, as the kernel spells it without `UFFD_FEATURE_`. */
export type FeatureName = (typeof catalogue)[number]["name"];

/** A feature name as accepted from people: bare, or with the kernel's `UFFD_FEATURE_` prefix. */
export type FeatureNameInput = FeatureName | `UFFD_FEATURE_${FeatureName}`;

/** The bare name of a `FeatureNameInput`. */
export type CanonicalFeatureName<N extends string> = N extends `UFFD_FEATURE_${infer Bare}` ? Bare : N;

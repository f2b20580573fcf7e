import type { BuildRequirement } from "./feature-definition.js";

/** CPU extensions an architecture checks at run time before offering a feature (riscv64: uffd-wp). */
export const CPU_EXTENSIONS = ["Svrsw60t59b"] as const;
export type CpuExtension = (typeof CPU_EXTENSIONS)[number];

/** From which release an architecture provides a build requirement, and whether the CPU must have an extension. */
export interface Provision {
  readonly since: string;
  readonly cpuExtension?: CpuExtension;
  /** Where the fact comes from: a commit id, or `uncertain: …` with what would settle it. */
  readonly source: string;
}

/**
 * One architecture userfaultfd runs on: its syscall and ioctl numbers and which build requirements
 * (`BuildRequirement`) its Kconfig selects from which release. Every kernel fact of docs/kernel-sources.md §3.
 */
export interface ArchDefinition {
  /** The name the SDK uses (`uname -m` style; `ppc64le` is 64-bit little-endian powerpc). */
  readonly name: string;
  /** Node's `process.arch` for it. */
  readonly nodeArch: string;
  /** `__NR_userfaultfd`. */
  readonly userfaultfd: number;
  /** `USERFAULTFD_IOC_NEW` = `_IO(0xAA, 0x00)`: the `_IOC_NONE` direction bit is 1 on powerpc/mips/sparc/alpha. */
  readonly ioctlNew: number;
  /** First release with the syscall on this architecture. */
  readonly since: string;
  readonly provides: Readonly<Partial<Record<BuildRequirement, Provision>>>;
}

/**
 * From which release `UFFDIO_API` masks a feature whose build requirement is missing. Before it, the bit is
 * advertised on every architecture (5.7–5.13: PAGEFAULT_FLAG_WP everywhere, with no fault ever delivered
 * where the page tables cannot track it).
 */
export const MASKING_SINCE: Readonly<Record<BuildRequirement, Provision>> = {
  "minor-faults": {
    since: "5.13",
    source: "7677f7fd8be7 (MINOR_HUGETLBFS, masked without HAVE_ARCH_USERFAULTFD_MINOR)",
  },
  "uffd-wp": { since: "5.14", source: "00b151f21f39 (fail uffd-wp registration if not supported)" },
  "pte-markers": {
    since: "5.19",
    source: "b1f9e876862d (WP_HUGETLBFS_SHMEM, masked without PTE_MARKER_UFFD_WP; uncertain: id from memory)",
  },
};

const X86_WP: Provision = { since: "5.7", source: "e06f1e1dd499 (PAGEFAULT_FLAG_WP, x86_64 page tables)" };
const ARM64_WP: Provision = { since: "6.10", source: "5b32510af77b (arm64 uffd-wp)" };
const RISCV_WP: Provision = {
  since: "6.19",
  cpuExtension: "Svrsw60t59b",
  source:
    "c64da3950cf4 (riscv uffd-wp) with f59c0924d61a (run-time pgtable_supports_uffd_wp()), in mm-unstable 2025-11-25 for the 6.19 merge window; uncertain: the tag",
};

/** Every architecture the SDK knows, in the order it lists them. */
export const ARCHES = [
  {
    name: "x86_64",
    nodeArch: "x64",
    userfaultfd: 323,
    ioctlNew: 0xaa00,
    since: "4.3",
    provides: {
      "uffd-wp": X86_WP,
      "pte-markers": { since: "5.19", source: MASKING_SINCE["pte-markers"].source },
      "minor-faults": { since: "5.13", source: "7677f7fd8be7" },
    },
  },
  { name: "i386", nodeArch: "ia32", userfaultfd: 374, ioctlNew: 0xaa00, since: "4.3", provides: {} },
  {
    name: "arm64",
    nodeArch: "arm64",
    userfaultfd: 282,
    ioctlNew: 0xaa00,
    since: "4.3",
    provides: {
      "uffd-wp": ARM64_WP,
      "pte-markers": ARM64_WP,
      "minor-faults": { since: "5.13", source: "7677f7fd8be7 (arm64 selects HAVE_ARCH_USERFAULTFD_MINOR)" },
    },
  },
  { name: "arm", nodeArch: "arm", userfaultfd: 388, ioctlNew: 0xaa00, since: "4.3", provides: {} },
  {
    name: "riscv64",
    nodeArch: "riscv64",
    userfaultfd: 282,
    ioctlNew: 0xaa00,
    since: "4.15",
    provides: {
      "uffd-wp": RISCV_WP,
      "pte-markers": RISCV_WP,
      "minor-faults": { since: "6.5", source: "a2492ca86c98 (riscv64 HAVE_ARCH_USERFAULTFD_MINOR)" },
    },
  },
  { name: "ppc64le", nodeArch: "ppc64", userfaultfd: 364, ioctlNew: 0x2000aa00, since: "4.3", provides: {} },
  { name: "s390x", nodeArch: "s390x", userfaultfd: 355, ioctlNew: 0xaa00, since: "4.3", provides: {} },
  {
    name: "loongarch64",
    nodeArch: "loong64",
    userfaultfd: 282,
    ioctlNew: 0xaa00,
    since: "5.19",
    provides: {
      "minor-faults": {
        since: "6.9",
        source:
          "f48ad26e5e57 (LoongArch: Select HAVE_ARCH_USERFAULTFD_MINOR), in the loongarch-6.9 pull tag; selected in torvalds/linux arch/loongarch/Kconfig @009ee0c96416",
      },
    },
  },
] as const satisfies readonly ArchDefinition[];

/** An architecture name the SDK knows. */
export type ArchName = (typeof ARCHES)[number]["name"];

/** The names of `ARCHES`, in order. */
export const ARCH_NAMES: readonly ArchName[] = ARCHES.map((arch) => arch.name);

/** The row of a known architecture name. */
export function archDefinition(name: ArchName): ArchDefinition {
  return ARCHES.find((arch) => arch.name === name) as ArchDefinition;
}

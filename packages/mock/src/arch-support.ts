import {
  type BuildRequirement,
  catalogue,
  featureBit,
  type KernelVersion,
  kernelAtLeast,
} from "@negotiate/core/engine";
import type { CpuExtension, MockArch } from "./mock-options.js";

/** From which release an architecture provides a build requirement, and whether the CPU must have an extension. */
interface Provision {
  readonly since: string;
  readonly cpuExtension?: CpuExtension;
}

// Reference §3 and the arches' Kconfig (HAVE_ARCH_USERFAULTFD_WP / _MINOR, PTE_MARKER_UFFD_WP).
// uffd-wp: x86_64 since 5.7, arm64 since 6.10; riscv64 needs Svrsw60t59b at run time, merged after 6.18
// (uncertain: 6.19 assumed). Minor faults: x86_64 and arm64 since 5.13; riscv64 selects it too (64-bit),
// since 6.10 (uncertain). PTE markers (5.19) are built wherever uffd-wp is. 32-bit arches, ppc64 and s390x
// have none of them.
const riscvWp: Provision = { since: "6.19", cpuExtension: "Svrsw60t59b" };
const ARCH_SUPPORT: Readonly<Record<MockArch, Partial<Record<BuildRequirement, Provision>>>> = {
  x86_64: {
    "uffd-wp": { since: "5.7" },
    "pte-markers": { since: "5.19" },
    "minor-faults": { since: "5.13" },
  },
  arm64: {
    "uffd-wp": { since: "6.10" },
    "pte-markers": { since: "6.10" },
    "minor-faults": { since: "5.13" },
  },
  riscv64: { "uffd-wp": riscvWp, "pte-markers": riscvWp, "minor-faults": { since: "6.10" } },
  i386: {},
  arm: {},
  ppc64: {},
  s390x: {},
};

function provides(
  arch: MockArch,
  requirement: BuildRequirement,
  version: KernelVersion,
  cpu: readonly CpuExtension[],
): boolean {
  const provision = ARCH_SUPPORT[arch][requirement];
  if (provision === undefined || !kernelAtLeast(version, provision.since)) return false;
  return provision.cpuExtension === undefined || cpu.includes(provision.cpuExtension);
}

/** The catalogue's features whose build requirements this arch, release and CPU do not meet. */
export function maskedByBuild(arch: MockArch, version: KernelVersion, cpu: readonly CpuExtension[]): bigint {
  let masked = 0n;
  for (const entry of catalogue) {
    const needs: readonly BuildRequirement[] = entry.needs;
    if (needs.some((requirement) => !provides(arch, requirement, version, cpu)))
      masked |= featureBit(entry.name);
  }
  return masked;
}

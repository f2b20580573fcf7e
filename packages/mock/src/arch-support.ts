import {
  type ArchName,
  archDefinition,
  type BuildRequirement,
  type CpuExtension,
  catalogue,
  featureBit,
  type KernelVersion,
  kernelAtLeast,
  MASKING_SINCE,
} from "@negotiate/core/engine";

// A requirement is missing only once the kernel checks it (MASKING_SINCE): before, the bit is advertised on
// every architecture, as 5.7–5.13 do with PAGEFAULT_FLAG_WP.
function missing(
  arch: ArchName,
  requirement: BuildRequirement,
  version: KernelVersion,
  cpu: readonly CpuExtension[],
): boolean {
  if (!kernelAtLeast(version, MASKING_SINCE[requirement].since)) return false;
  const provision = archDefinition(arch).provides[requirement];
  if (provision === undefined || !kernelAtLeast(version, provision.since)) return true;
  return provision.cpuExtension !== undefined && !cpu.includes(provision.cpuExtension);
}

/** The catalogue's features that this arch, release and CPU mask out of the supported set. */
export function maskedByBuild(arch: ArchName, version: KernelVersion, cpu: readonly CpuExtension[]): bigint {
  let masked = 0n;
  for (const entry of catalogue) {
    const needs: readonly BuildRequirement[] = entry.needs;
    if (needs.some((requirement) => missing(arch, requirement, version, cpu)))
      masked |= featureBit(entry.name);
  }
  return masked;
}

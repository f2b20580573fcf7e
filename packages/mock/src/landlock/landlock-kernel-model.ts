import { type Errno, type KernelVersion, kernelAtLeast, parseKernelRelease } from "@negotiate/core/engine";
import {
  EMPTY_LANDLOCK_MASKS,
  type LandlockMasks,
  type LandlockRuleType,
  landlockAbi,
  landlockAbiOfRelease,
  landlockErrataOf,
  landlockMasksAt,
} from "@negotiate/core/landlock";
import { LANDLOCK_ARCHES, type LandlockSyscallNumbers } from "./landlock-arches.js";
import { landlockDistroFacts } from "./landlock-distros.js";
import type { LandlockMockOptions } from "./landlock-mock-options.js";

/** Everything the simulated Landlock calls decide on, resolved once from the options. */
export interface LandlockKernelModel {
  readonly release: string;
  readonly arch: string;
  readonly syscalls: LandlockSyscallNumbers;
  readonly simulating: string;
  /** The errno every Landlock syscall answers before any check (filter, not built, not in `lsm=`), if any. */
  readonly refusal?: Errno;
  readonly abi: number;
  /** The bits the kernel accepts, per group. */
  readonly known: LandlockMasks;
  /** Bytes of `struct landlock_ruleset_attr` the kernel knows. */
  readonly attrSize: number;
  readonly ruleTypes: ReadonlySet<LandlockRuleType>;
  /** The ERRATA answer; `undefined`: the query is EINVAL. */
  readonly errata?: bigint;
  /** Stacked layers allowed: 64 before 5.19, 16 since (or the quirk's). */
  readonly layerLimit: number;
  /** Before 5.19: restrict_self checks flags before privileges, add_rule type and attr before the ruleset fd. */
  readonly preFiveNineteenOrder: boolean;
  /** `restrict_self(-1, LOG_SUBDOMAINS_OFF)` is accepted (ABI 7). */
  readonly fdLessSubdomainsOff: boolean;
  readonly pageSize: number;
  readonly littleEndian: boolean;
  readonly capSysAdmin: boolean;
  readonly noNewPrivs: boolean;
  readonly threads: number;
  readonly fdLimit: number;
}

const ANCIENT: KernelVersion = { major: 0, minor: 0, patch: 0 };

/**
 * The model of a kernel: by release, with the quirks of vendor kernels on top: those given, else those of the
 * distro kernel the release names (`LANDLOCK_DISTRO_FACTS`: RHEL 9.6/9.7, Android GKI).
 */
export function landlockModelOf(given: LandlockMockOptions): LandlockKernelModel {
  const distro = landlockDistroFacts(given.kernel);
  const options: LandlockMockOptions = {
    ...(given.quirks === undefined && distro?.quirks ? { quirks: distro.quirks } : {}),
    ...(given.build === undefined && distro?.build ? { build: distro.build } : {}),
    ...given,
  };
  const arch = options.arch ?? "x86_64";
  const archRow = LANDLOCK_ARCHES[arch] ?? LANDLOCK_ARCHES.x86_64;
  const version = parseKernelRelease(options.kernel).unwrapOr(ANCIENT);
  const abi = options.quirks?.abi ?? landlockAbiOfRelease(version);
  const row = landlockAbi(abi);
  // A vendor ABI behaves as the mainline release that introduced it.
  const behaviour =
    options.quirks?.abi === undefined || !row ? version : parseKernelRelease(row.since).unwrapOr(version);
  const build = options.build ?? (abi > 0 ? "built" : "not-built");
  const refusal: Errno | undefined =
    options.filter ??
    (build === "not-built" || !row ? "ENOSYS" : build === "not-in-lsm" ? "EOPNOTSUPP" : undefined);
  const known = landlockMasksAt(row ? abi : 0);
  const errata = options.errata ?? (row?.errataQuery ? landlockErrataOf(behaviour, abi) : undefined);
  const capSysAdmin = options.capSysAdmin ?? false;
  const outcome = refusal ? `every call ${refusal}` : `ABI ${row ? abi : 0}`;
  return {
    release: options.kernel,
    arch,
    syscalls: archRow.syscalls,
    simulating: `simulating ${capSysAdmin ? "root with" : "uid≠0 without"} CAP_SYS_ADMIN${options.noNewPrivs ? " (no_new_privs set)" : ""} on ${options.kernel} (${arch}${distro ? `, ${distro.id}` : ""}): ${outcome}`,
    ...(refusal ? { refusal } : {}),
    abi: row ? abi : 0,
    known: row
      ? { ...known, scope: known.scope & ~(options.quirks?.rejectedScopes ?? 0n) }
      : EMPTY_LANDLOCK_MASKS,
    attrSize: row?.rulesetAttrSize ?? 0,
    ruleTypes: new Set(row?.ruleTypes ?? []),
    ...(errata === undefined ? {} : { errata }),
    layerLimit: options.quirks?.layerLimit ?? (kernelAtLeast(behaviour, "5.19") ? 16 : 64),
    preFiveNineteenOrder: !kernelAtLeast(behaviour, "5.19"),
    fdLessSubdomainsOff: abi >= 7,
    pageSize: archRow.pageSize,
    littleEndian: archRow.littleEndian,
    capSysAdmin,
    noNewPrivs: options.noNewPrivs ?? false,
    threads: Number.isFinite(options.threads) ? Math.max(1, Math.floor(options.threads!)) : 1,
    fdLimit: options.fdLimit ?? Number.POSITIVE_INFINITY,
  };
}

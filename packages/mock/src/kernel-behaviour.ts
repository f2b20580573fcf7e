import { type KernelVersion, kernelAtLeast } from "@negotiate/core/engine";

/**
 * How a kernel release behaves where releases differ (reference §2). Feature bits themselves come from the
 * core's catalogue (`since`), build masking from the arch table; this is everything else.
 */
export interface KernelBehaviour {
  /** `userfaultfd(2)` exists (4.3); before, ENOSYS. */
  readonly userfaultfd: boolean;
  /** `UFFDIO_API` knows feature bits (4.11); before, any non-zero `features` is EINVAL. */
  readonly featureBits: boolean;
  /** `vm.unprivileged_userfaultfd` exists (5.2), default 1; 0 means only CAP_SYS_PTRACE may call `userfaultfd(2)`. */
  readonly unprivilegedSysctl: boolean;
  /** EVENT_FORK needs CAP_SYS_PTRACE (5.5; backported to 4.14.162, 4.19.93, 5.4.8). */
  readonly eventForkNeedsPtrace: boolean;
  /** `UFFD_USER_MODE_ONLY` exists (5.11), the sysctl defaults to 0 and 0 means "unprivileged callers must pass it". */
  readonly userModeOnly: boolean;
  /**
   * The already-initialised check comes last (5.15, "prevent concurrent API initialization"): a second
   * `UFFDIO_API` goes through every other check first (so EVENT_FORK unprivileged is still EPERM) and, had it
   * passed them, is EINVAL; either way the struct is zeroed. Before, that check came first and left the
   * struct untouched. Measured on 6.18: a second call with EVENT_FORK, unprivileged, is EPERM.
   */
  readonly initialisedCheckedLast: boolean;
  /** Unknown bits are silently dropped and the api value is not checked (6.0.y, 6.1.0–6.1.25, 6.2.0–6.2.12). */
  readonly dropsUnknownBits: boolean;
  /** `/dev/userfaultfd` and `USERFAULTFD_IOC_NEW` exist (6.1). */
  readonly deviceNode: boolean;
  /**
   * The request is checked against the build-masked supported set, after the EVENT_FORK check (6.10; backported
   * to 6.9.10, 6.6.41, 6.1.100, 5.15.163). Before, masked bits are accepted silently (from 5.13, when masking
   * began: MINOR in 5.13, WP in 5.14) and unknown bits are refused before the EVENT_FORK check.
   */
  readonly rejectsMaskedBits: boolean;
}

type BehaviourName = keyof KernelBehaviour;

/** When a behaviour holds: a mainline range plus stable series that gained it late or lost it early. */
interface BehaviourChange {
  readonly behaviour: BehaviourName;
  /** First mainline release with it (`major.minor`). */
  readonly since: string;
  /** First mainline release without it again, if it was reverted. */
  readonly until?: string;
  /** Older stable series that got it as a backport: `major.minor` → first patch level with it. */
  readonly backports?: Readonly<Record<string, number>>;
  /** Stable series in [since, until) where it was reverted: `major.minor` → first patch level without it. */
  readonly reverts?: Readonly<Record<string, number>>;
}

// Reference §2, one row per change; docs/kernel-sources.md gives each row's commit and what is uncertain
// (4.19.93, 5.14.6, 6.6.41 and 6.9.10 among the stable patch levels).
const CHANGES: readonly BehaviourChange[] = [
  { behaviour: "userfaultfd", since: "4.3" },
  { behaviour: "featureBits", since: "4.11" },
  { behaviour: "unprivilegedSysctl", since: "5.2" },
  { behaviour: "eventForkNeedsPtrace", since: "5.5", backports: { "4.14": 162, "4.19": 93, "5.4": 8 } },
  { behaviour: "userModeOnly", since: "5.11" },
  // 22e5fe2a2a27, backported to 5.10.67 (its announcement), 5.4.148 (5.4.147 was reverts only) and 5.14.y
  // (5.14.6 assumed: released with 5.10.67); 4.19.y and 4.14.y unconfirmed.
  { behaviour: "initialisedCheckedLast", since: "5.15", backports: { "5.4": 148, "5.10": 67, "5.14": 6 } },
  { behaviour: "dropsUnknownBits", since: "6.0", until: "6.3", reverts: { "6.1": 26, "6.2": 13 } },
  { behaviour: "deviceNode", since: "6.1" },
  {
    behaviour: "rejectsMaskedBits",
    since: "6.10",
    backports: { "6.9": 10, "6.6": 41, "6.1": 100, "5.15": 163 },
  },
];

const seriesOf = (version: KernelVersion): string => `${version.major}.${version.minor}`;

function holds(change: BehaviourChange, version: KernelVersion): boolean {
  const series = seriesOf(version);
  const backport = change.backports?.[series];
  if (backport !== undefined && version.patch >= backport) return true;
  if (!kernelAtLeast(version, change.since)) return false;
  if (change.until !== undefined && kernelAtLeast(version, change.until)) return false;
  const revert = change.reverts?.[series];
  return revert === undefined || version.patch < revert;
}

/** The behaviour of a release, from the table above. */
export function kernelBehaviour(version: KernelVersion): KernelBehaviour {
  const behaviour = {} as Record<BehaviourName, boolean>;
  for (const change of CHANGES) behaviour[change.behaviour] = holds(change, version);
  return behaviour;
}

/** `vm.unprivileged_userfaultfd` as a release boots: 1 from 5.2, 0 from 5.11, absent before 5.2. */
export function defaultUnprivilegedUserfaultfd(behaviour: KernelBehaviour): 0 | 1 | undefined {
  if (!behaviour.unprivilegedSysctl) return undefined;
  return behaviour.userModeOnly ? 0 : 1;
}

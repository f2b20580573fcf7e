import {
  compareKernelVersions,
  definePolicy,
  type FeatureName,
  loadMultiPolicy,
  type NegotiationError,
  negotiate,
  type OpenMode,
  type Policy,
  parseKernelRelease,
  type Route,
} from "@negotiate/core";
import type { LandlockPolicy, LandlockRightName } from "@negotiate/core/landlock";
import { createMockBackend, type MockCallCounts, type MockOptionsError } from "@negotiate/mock";
import { err, ok, type Result } from "neverthrow";
import { MOCK_KERNELS, privilegeOptions } from "./backend-options.js";
import { type CliError, EXIT, type ExitCode, invalidFlag } from "./cli-error.js";
import { reportFailure } from "./error-text.js";
import { writeJson } from "./json-output.js";
import {
  type LandlockMatrixCell,
  landlockCellOn,
  landlockSatisfied,
  parseLandlockFlag,
  wantedBySection,
} from "./landlock-matrix.js";
import { matrixText } from "./matrix-text.js";
import { type Cell, type CliIo, styleFor } from "./output.js";

/** The flags of `negotiate matrix`. */
export interface MatrixFlags {
  readonly policy: string;
  /** Comma-separated releases; default `MOCK_KERNELS`. */
  readonly kernels?: string;
  /** Comma-separated architectures; default `x86_64`. */
  readonly arch?: string;
  /** Run the distro profiles' kernels instead of `--kernels` (see `distro-matrix.ts`). */
  readonly distros?: boolean;
  readonly root?: boolean;
  readonly unprivileged?: boolean;
  readonly seccomp?: boolean;
  readonly json?: boolean;
  /** `--landlock [RIGHT,…]`: Landlock columns for these rights (`true`: the whole catalogue). */
  readonly landlock?: string | true;
}

/** A negotiation error without its trace: the matrix keeps only the call counts. */
type Untraced = NegotiationError extends infer E ? (E extends unknown ? Omit<E, "trace"> : never) : never;

/** One kernel and architecture of the matrix. */
export type MatrixRow = {
  readonly kernel: string;
  readonly arch: string;
  /** Who the mock simulated: `simulating uid≠0 without CAP_SYS_PTRACE on 6.8 (x86_64)`. */
  readonly simulating: string;
  /** The port calls of the negotiation, without the session's own close. */
  readonly calls: MockCallCounts;
  /** Landlock on this kernel, for the rights of `--landlock` (absent without the flag). */
  readonly landlock?: LandlockMatrixCell;
} & (
  | {
      readonly ok: true;
      readonly open: OpenMode;
      readonly route: Route;
      readonly enabled: readonly FeatureName[];
      /** Enabled features that are not required: optional ones and `oneOf` alternatives. */
      readonly enabledOptional: readonly FeatureName[];
      readonly missingOptional: readonly FeatureName[];
    }
  | { readonly ok: false; readonly error: Untraced }
);

const listOf = (text: string): string[] => [
  ...new Set(
    text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  ),
];

const withoutTrace = ({ trace: _trace, ...error }: NegotiationError): Untraced => error as Untraced;

// The flag a refused mock option came from; the list flags are reported with the one item that failed.
function optionError(error: MockOptionsError, kernel: string, arch: string): CliError {
  const expected = [error.kind === "invalid-option" ? error.expected : error.reason];
  return error.field === "arch"
    ? invalidFlag("--arch", arch, expected)
    : invalidFlag("--kernels", kernel, expected);
}

export type AnyPolicy = Policy<never, FeatureName>;

/** The Landlock part of the matrix: the rights shown, and the policy's section to negotiate when it has one. */
export interface LandlockColumns {
  readonly wanted: readonly LandlockRightName[];
  readonly section?: LandlockPolicy<LandlockRightName, LandlockRightName>;
}

/** A row satisfies the policy: its userfaultfd negotiation and, with a `landlock:` section, its Landlock one. */
export const rowSatisfies = (row: MatrixRow): boolean => row.ok && landlockSatisfied(row.landlock);

const NO_USERFAULTFD = definePolicy({})._unsafeUnwrap() as AnyPolicy;

/**
 * One negotiation of the matrix on a fresh mock, with Landlock for the `landlock` rights when given;
 * `invalid-flag` when the mock refuses the kernel or arch.
 */
export function negotiateOn(
  policy: AnyPolicy,
  kernel: string,
  arch: string,
  flags: MatrixFlags,
  landlock?: LandlockColumns,
): Result<MatrixRow, CliError> {
  const row = negotiateUserfaultfdOn(policy, kernel, arch, flags);
  if (!landlock || row.isErr()) return row;
  return landlockCellOn(kernel, arch, flags.root === true, landlock.wanted, landlock.section).map(
    (cell): MatrixRow => ({ ...row.value, landlock: cell }),
  );
}

function negotiateUserfaultfdOn(
  policy: AnyPolicy,
  kernel: string,
  arch: string,
  flags: MatrixFlags,
): Result<MatrixRow, CliError> {
  const backend = createMockBackend({
    kernel,
    arch,
    ...privilegeOptions(flags),
  });
  if (backend.isErr()) return err(optionError(backend.error, kernel, arch));
  const result = negotiate(policy, { backend: backend.value });
  // Read before the session's own close: the calls the negotiation needed (each row has a backend of its own).
  const calls = backend.value.counts;
  const { simulating } = backend.value.info;
  if (result.isErr())
    return ok({ kernel, arch, simulating, ok: false, calls, error: withoutTrace(result.error) });
  const session = result.value;
  const closed = session.close();
  if (closed.isErr())
    return ok({ kernel, arch, simulating, ok: false, calls, error: withoutTrace(closed.error) });
  const optional = session.enabledSet.difference(policy.required);
  return ok({
    kernel,
    arch,
    simulating,
    ok: true,
    calls,
    open: session.open,
    route: session.route,
    enabled: session.enabledSet.names(),
    enabledOptional: optional.names(),
    missingOptional: session.missingOptional,
  });
}

const namedAs = (name: string | undefined) => (name === undefined ? {} : { name });

/** The oldest release of each architecture that satisfies the policy, `null` when none does. */
function oldestPerArch(rows: readonly MatrixRow[], arches: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(
    arches.map((arch) => [arch, rows.find((row) => row.arch === arch && rowSatisfies(row))?.kernel ?? null]),
  );
}

/** The outcome of a row as a table cell: `ok`, or the error kind with what it names. */
export function outcomeCell(row: MatrixRow): Cell {
  if (row.ok) return { text: "ok", tone: "ok" };
  const { error } = row;
  const detail =
    error.kind === "missing-required"
      ? [
          ...error.missing.map((feature) => feature.name),
          ...error.unmetGroups.map((group) => group.join("|")),
        ].join(", ")
      : error.kind === "permission-denied"
        ? `${error.errno}, ${error.cause.kind}`
        : "errno" in error && error.errno
          ? error.errno
          : "";
  return { text: detail ? `${error.kind}: ${detail}` : error.kind, tone: "bad" };
}

/** Orders releases oldest first; they are known to parse once the mock accepted them. */
function byRelease(a: MatrixRow, b: MatrixRow): number {
  const left = parseKernelRelease(a.kernel);
  const right = parseKernelRelease(b.kernel);
  return left.isOk() && right.isOk() ? compareKernelVersions(left.value, right.value) : 0;
}

/**
 * `negotiate matrix`: negotiates the policy with the mock for every kernel × architecture. Exit 0 when some
 * listed kernel satisfies the policy on every architecture, 1 when an architecture has none, 2 for bad input.
 */
export async function matrixCommand(flags: MatrixFlags, io: CliIo): Promise<ExitCode> {
  // The flags first: a command line that cannot run reads no file.
  if (flags.root && flags.unprivileged)
    return reportFailure(
      invalidFlag(
        "--root",
        "true",
        ["--root alone", "--unprivileged alone"],
        "--root and --unprivileged contradict each other",
      ),
      io,
      flags.json,
    );
  if (flags.distros && flags.kernels !== undefined)
    return reportFailure(
      invalidFlag(
        "--kernels",
        flags.kernels,
        ["--distros alone"],
        "--distros runs the distro profiles' own kernels",
      ),
      io,
      flags.json,
    );
  const kernels = flags.kernels === undefined ? [...MOCK_KERNELS] : listOf(flags.kernels);
  const arches = flags.arch === undefined ? ["x86_64"] : listOf(flags.arch);
  if (kernels.length === 0)
    return reportFailure(
      invalidFlag("--kernels", flags.kernels ?? "", ["a comma-separated list of releases"]),
      io,
      flags.json,
    );
  if (arches.length === 0)
    return reportFailure(
      invalidFlag("--arch", flags.arch ?? "", ["a comma-separated list of architectures"]),
      io,
      flags.json,
    );
  const landlockFlag = flags.landlock === undefined ? ok(undefined) : parseLandlockFlag(flags.landlock);
  if (landlockFlag.isErr()) return reportFailure(landlockFlag.error, io, flags.json);
  const multi = loadMultiPolicy(flags.policy);
  if (multi.isErr()) return reportFailure(multi.error, io, flags.json);
  // A policy without a userfaultfd section negotiates nothing of it: every row's userfaultfd part is ok.
  const policy = ok<AnyPolicy, never>(
    (multi.value.userfaultfd as AnyPolicy | undefined) ?? { ...NO_USERFAULTFD, ...namedAs(multi.value.name) },
  );
  const section = multi.value.landlock as LandlockColumns["section"];
  const wantedRights = landlockFlag.value ?? (section ? wantedBySection(section) : undefined);
  const landlock: LandlockColumns | undefined = wantedRights
    ? { wanted: wantedRights, ...(section ? { section } : {}) }
    : undefined;
  const wanted = landlock?.wanted;
  if (flags.distros) {
    const { distroMatrix } = await import("./distro-matrix.js");
    return distroMatrix(policy.value, arches, flags, io, landlock);
  }
  const rows: MatrixRow[] = [];
  for (const arch of arches) {
    const perArch: MatrixRow[] = [];
    for (const kernel of kernels) {
      const row = negotiateOn(policy.value, kernel, arch, flags, landlock);
      if (row.isErr()) return reportFailure(row.error, io, flags.json);
      perArch.push(row.value);
    }
    rows.push(...perArch.sort(byRelease));
  }
  const oldest = oldestPerArch(rows, arches);
  const satisfied = Object.values(oldest).every((kernel) => kernel !== null);
  if (flags.json) {
    const name = policy.value.name;
    writeJson(io.stdout, {
      ok: true,
      ...(name === undefined ? {} : { policy: name }),
      satisfied,
      oldest,
      ...(wanted ? { landlock: wanted } : {}),
      rows,
    });
  } else io.stdout.write(matrixText(rows, oldest, policy.value, styleFor(io.stdout, io.env), landlock));
  return satisfied ? EXIT.ok : EXIT.failed;
}

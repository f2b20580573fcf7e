import type { Backend, BackendInfo } from "@negotiate/core";
import type { MockOptionsError } from "@negotiate/mock";
import { err, type Result } from "neverthrow";
import {
  type BackendFlags,
  MOCK_FLAGS,
  type MockFlag,
  NEWEST_KERNEL,
  privilegeOptions,
} from "./backend-options.js";
import { type CliError, invalidFlag } from "./cli-error.js";

/** The mock flags given: any of them (or `--backend mock`) chooses the simulated kernel. */
export const givenMockFlags = (flags: BackendFlags): MockFlag[] =>
  (Object.keys(MOCK_FLAGS) as MockFlag[]).filter((key) => flags[key] !== undefined);

/**
 * The backend the flags describe. Errors (exit 2): `invalid-flag` for an unknown backend, a mock flag with
 * `--backend linux`, `--profile` with other mock flags, or a value the mock refuses; `file-error` and
 * `invalid-profile` for `--profile`. The Linux backend's own errors (`backend-unavailable`, exit 1) pass through.
 * koffi loads only when the Linux backend is chosen.
 */
export async function backendFromFlags(flags: BackendFlags): Promise<Result<Backend, CliError>> {
  const mockFlags = givenMockFlags(flags);
  const name = flags.backend ?? (mockFlags.length > 0 ? "mock" : "linux");
  if (name === "linux") {
    const [first] = mockFlags;
    if (first) {
      const { flag } = MOCK_FLAGS[first];
      const why = `${flag} configures the simulated kernel: use it with --backend mock, not --backend linux`;
      return err(invalidFlag(flag, String(flags[first]), ["--backend mock"], why));
    }
    const { linuxBackend } = await import("@negotiate/linux");
    return linuxBackend();
  }
  if (name !== "mock") return err(invalidFlag("--backend", name, ["linux", "mock"]));
  const { createMockBackend, mockBackend } = await import("@negotiate/mock");
  if (flags.profile !== undefined) {
    const other = mockFlags.find((key) => key !== "profile");
    if (other) {
      const { flag } = MOCK_FLAGS[other];
      const why = `${flag} cannot be combined with --profile: a captured profile already fixes the kernel and privileges`;
      return err(invalidFlag(flag, String(flags[other]), ["--profile alone"], why));
    }
    // Decoding a profile needs io-ts: loaded only for --profile.
    const { readHostProfile } = await import("./host-profile-file.js");
    return readHostProfile(flags.profile).map((profile): Backend => mockBackend.fromCapture(profile));
  }
  if (flags.root && flags.unprivileged) {
    const why = "--root and --unprivileged contradict each other: give one (the default is --unprivileged)";
    return err(invalidFlag("--root", "true", ["--root alone", "--unprivileged alone"], why));
  }
  return createMockBackend({
    kernel: flags.kernel ?? NEWEST_KERNEL,
    ...(flags.arch === undefined ? {} : { arch: flags.arch }),
    ...privilegeOptions(flags),
    ...(flags.sysctl === undefined ? {} : { unprivilegedUserfaultfd: sysctlValue(flags.sysctl) }),
    ...(flags.device === undefined ? {} : { device: flags.device }),
  }).mapErr((error) => mockFlagError(error, flags));
}

// `0`/`1` as numbers; anything else is passed on as typed, for the mock to refuse by name.
const sysctlValue = (text: string): unknown => (text === "0" || text === "1" ? Number(text) : text);

function mockFlagError(error: MockOptionsError, flags: BackendFlags): CliError {
  const key = (Object.keys(MOCK_FLAGS) as MockFlag[]).find((flag) => MOCK_FLAGS[flag].option === error.field);
  const flag = key ? MOCK_FLAGS[key].flag : `--${error.field}`;
  const value = key ? String(flags[key]) : String(error.value);
  return error.kind === "invalid-option"
    ? invalidFlag(flag, value, [error.expected])
    : invalidFlag(
        flag,
        value,
        ["a value this kernel allows"],
        `${flag} ${JSON.stringify(value)} is invalid: ${error.reason}`,
      );
}

/**
 * The hint under a failure. With a mock `backend`: who it simulated, and what it had to assume (every mock
 * line says so). When this machine's kernel cannot be used (not Linux, no userfaultfd, koffi unavailable): how
 * to run the same command against the mock instead. `command` is the command line after `negotiate`.
 */
export function realKernelHint(
  error: CliError,
  flags: BackendFlags,
  command: string,
  backend?: BackendInfo & { readonly simulating?: string; readonly warnings?: readonly string[] },
): string | undefined {
  if (backend?.simulating) return [backend.simulating, ...(backend.warnings ?? [])].join("; ");
  if ((flags.backend ?? "linux") !== "linux" || givenMockFlags(flags).length > 0) return undefined;
  const unusable =
    error.kind === "backend-unavailable" || (error.kind === "unsupported" && error.reason !== "open-mode");
  if (!unusable) return undefined;
  return `the real kernel cannot be used here; simulate one instead: negotiate ${command} --backend mock (add --kernel RELEASE to choose the kernel, or --profile FILE to replay a host written by \`negotiate capture\`)`;
}

import {
  archDefinition,
  CPU_EXTENSIONS,
  compareKernelVersions,
  isErrno,
  kernelAtLeast,
  parseKernelRelease,
} from "@negotiate/core/engine";
import { err, ok, type Result } from "neverthrow";
import { kernelBehaviour } from "./kernel-behaviour.js";
import {
  MOCK_ARCHES,
  type MockOptions,
  type MockOptionsError,
  NEWEST_MODELLED_RELEASE,
} from "./mock-options.js";
import { OLDEST, resolveRelease } from "./simulated-kernel.js";

/** A bad value somewhere under a field: the path below the field (`[1].errno`), the value, what was expected. */
export interface Flaw {
  readonly at: string;
  readonly value: unknown;
  readonly expected: string;
}

export type Check = (value: unknown) => Flaw | undefined;

const RELEASE_SHAPE = /^\d+\.\d+(?:\.\d+)?(?:[-+~_][\w.+~-]*)?$/;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
export const flawIf = (bad: boolean, value: unknown, expected: string, at = ""): Flaw | undefined =>
  bad ? { at, value, expected } : undefined;

export const boolean: Check = (value) => flawIf(typeof value !== "boolean", value, "true or false");
export const oneOf =
  (choices: readonly unknown[]): Check =>
  (value) =>
    flawIf(
      !choices.includes(value),
      value,
      `one of ${choices.map((choice) => JSON.stringify(choice)).join(", ")}`,
    );
export const integerFrom =
  (min: number): Check =>
  (value) =>
    flawIf(!Number.isInteger(value) || (value as number) < min, value, `an integer ≥ ${min}`);

// An object whose keys must all be in `fields`, with the `required` ones present; reports the first flaw as `.key…`.
export const objectOf =
  (fields: Readonly<Record<string, Check>>, what: string, required: readonly string[] = []): Check =>
  (value) => {
    if (!isRecord(value)) return { at: "", value, expected: what };
    const unknown = Object.keys(value).find((key) => !Object.hasOwn(fields, key));
    if (unknown !== undefined) {
      return {
        at: `.${unknown}`,
        value: value[unknown],
        expected: `no such field; known: ${Object.keys(fields).join(", ")}`,
      };
    }
    for (const [key, check] of Object.entries(fields)) {
      const field = value[key];
      const flaw =
        field === undefined ? flawIf(required.includes(key), field, "a value (required)") : check(field);
      if (flaw) return { ...flaw, at: `.${key}${flaw.at}` };
    }
    return undefined;
  };

const arrayOf =
  (item: Check): Check =>
  (value) => {
    if (!Array.isArray(value)) return { at: "", value, expected: "an array" };
    for (const [index, element] of value.entries()) {
      const flaw = item(element);
      if (flaw) return { ...flaw, at: `[${index}]${flaw.at}` };
    }
    return undefined;
  };

const NEWEST = parseKernelRelease(NEWEST_MODELLED_RELEASE).unwrapOr(OLDEST);
// Compared by series: every patch level of the newest modelled series is modelled.
export const newerThanModelled = (release: string): boolean =>
  parseKernelRelease(release).match(
    (version) => compareKernelVersions({ ...version, patch: 0 }, NEWEST) > 0,
    () => false,
  );

const FIELDS: Readonly<Record<keyof MockOptions, Check>> = {
  kernel: (value) =>
    typeof value !== "string" || !RELEASE_SHAPE.test(value)
      ? {
          at: "",
          value,
          expected: 'a kernel release "major.minor[.patch][-suffix]", e.g. "6.1.25" or "6.8.0-45-generic"',
        }
      : flawIf(
          newerThanModelled(value),
          value,
          `a release no newer than ${NEWEST_MODELLED_RELEASE}, the newest the mock models (docs/kernel-sources.md §4)`,
        ),
  arch: oneOf(MOCK_ARCHES),
  capSysPtrace: boolean,
  unprivilegedUserfaultfd: oneOf([0, 1]),
  device: oneOf(["absent", "denied", "ok"]),
  seccomp: boolean,
  seccompErrno: oneOf(["EPERM", "ENOSYS"]),
  lsmDenial: oneOf(["selinux", "apparmor"]),
  configUserfaultfd: boolean,
  sandbox: boolean,
  fdLimit: integerFrom(0),
  quirks: objectOf({ dropsUnknownBits: boolean, acceptsMaskedBits: boolean }, "an object of quirk flags"),
  cpuExtensions: arrayOf(oneOf(CPU_EXTENSIONS)),
  faults: arrayOf(
    objectOf(
      {
        op: oneOf(["open", "api", "close"]),
        call: integerFrom(1),
        errno: (value) => flawIf(!isErrno(value), value, 'an errno name such as "EPERM" or "ERRNO_<n>"'),
      },
      "an object { op, call, errno }",
      ["op", "call", "errno"],
    ),
  ),
};

/** The error of a flaw found in `subject` (`mock option`, `Landlock mock option`), its value shown by `show`. */
export function optionError(flaw: Flaw, subject: string, show: (value: unknown) => string): MockOptionsError {
  const field = flaw.at.replace(/^\./, "") || "options";
  return {
    kind: "invalid-option",
    field,
    value: flaw.value,
    expected: flaw.expected,
    message: `${subject} ${field} is ${show(flaw.value)}; expected ${flaw.expected}`,
  };
}

export const describe = (value: unknown): string => (value === undefined ? "missing" : JSON.stringify(value));

function conflict(field: string, value: unknown, reason: string): MockOptionsError {
  return {
    kind: "conflicting-options",
    field,
    value,
    reason,
    message: `${field} = ${describe(value)}: ${reason}`,
  };
}

const checkOptions = objectOf(FIELDS, "an object of mock options", ["kernel"]);

/** The first field of `input` outside its type, or `undefined` when every field has a value of its type. */
export function invalidOption(input: unknown): MockOptionsError | undefined {
  const flaw = checkOptions(input);
  return flaw ? optionError(flaw, "mock option", describe) : undefined;
}

/** Checks options from an untrusted source: every field's type, then what the kernel makes impossible. */
export function validateMockOptions(input: unknown): Result<MockOptions, MockOptionsError> {
  const invalid = invalidOption(input);
  if (invalid) return err(invalid);
  const options = input as unknown as MockOptions;
  // The kernel field passed its check above, so it parses.
  const { version } = resolveRelease(options.kernel);
  const behaviour = kernelBehaviour(version);
  const arch = archDefinition(options.arch ?? "x86_64");
  if (behaviour.userfaultfd && !kernelAtLeast(version, arch.since)) {
    return err(
      conflict(
        "arch",
        arch.name,
        `${arch.name} has userfaultfd from ${arch.since} (kernel ${options.kernel})`,
      ),
    );
  }
  if (options.unprivilegedUserfaultfd !== undefined && !behaviour.unprivilegedSysctl) {
    return err(
      conflict(
        "unprivilegedUserfaultfd",
        options.unprivilegedUserfaultfd,
        `vm.unprivileged_userfaultfd does not exist before 5.2 (kernel ${options.kernel})`,
      ),
    );
  }
  if (options.device !== undefined && options.device !== "absent" && !behaviour.deviceNode) {
    return err(
      conflict(
        "device",
        options.device,
        `/dev/userfaultfd does not exist before 6.1 (kernel ${options.kernel})`,
      ),
    );
  }
  return ok(options);
}

import type { Errno, SyscallFailure } from "@negotiate/core/engine";
import {
  isFdArgument,
  LANDLOCK_FILE_RIGHTS,
  type LandlockRule,
  landlockMasksOf,
  RULESET_ATTR_FIELDS,
  RULESET_ATTR_MAX_SIZE,
  RULESET_ATTR_SIZE,
  type RulesetAttr,
  u32Flags,
} from "@negotiate/core/landlock";
import { err, ok, type Result } from "neverthrow";
import type { LandlockKernelModel } from "./landlock-kernel-model.js";
import type {
  MockFileKind,
  MockLandlockInfo,
  MockLandlockPort,
  MockRestriction,
} from "./landlock-mock-options.js";

/** A simulated fd: a file of some kind, or a ruleset with the masks it handles. */
type MockFd =
  | { readonly kind: MockFileKind }
  | { readonly kind: "ruleset"; readonly fs: bigint; readonly net: bigint; readonly scope: bigint };

type Ruleset = Extract<MockFd, { kind: "ruleset" }>;

const FIRST_FD = 3;
const MIN_ATTR_SIZE = 8;
const MAX_PORT = 65_535n;
const LOG_SUBDOMAINS_OFF = Number(landlockMasksOf(["LOG_SUBDOMAINS_OFF"])._unsafeUnwrap().restrict);
const TSYNC = Number(landlockMasksOf(["TSYNC"])._unsafeUnwrap().restrict);
const DONE = Object.freeze(ok<void, SyscallFailure>(undefined));
const failures = new Map<Errno, Result<never, SyscallFailure>>();
// Results are immutable: each errno's is made once.
const fail = (errno: Errno): Result<never, SyscallFailure> => {
  let failure = failures.get(errno);
  if (!failure) {
    failure = Object.freeze(err<never, SyscallFailure>(Object.freeze({ errno })));
    failures.set(errno, failure);
  }
  return failure;
};

/** The filesystem a mock's `openPath` sees unless its options give `paths`. */
export const DEFAULT_MOCK_PATHS: Readonly<Record<string, "file" | "directory">> = Object.freeze({
  "/": "directory",
  "/usr": "directory",
  "/etc": "directory",
  "/tmp": "directory",
  "/home": "directory",
  "/var": "directory",
  "/etc/hostname": "file",
});

/** A Landlock kernel model behind the port, with per-fd and per-process state. */
export class SimulatedLandlock implements MockLandlockPort {
  readonly info: MockLandlockInfo;
  private readonly fds = new Map<number, MockFd>();
  private noNewPrivs: boolean;
  private layers = 0;
  private unconfinedThreads = 0;
  private readonly struct = new DataView(new ArrayBuffer(RULESET_ATTR_SIZE));

  constructor(
    private readonly model: LandlockKernelModel,
    private readonly paths: Readonly<Record<string, "file" | "directory">> = DEFAULT_MOCK_PATHS,
  ) {
    this.info = { name: "mock", kernelRelease: model.release, arch: model.arch };
    this.noNewPrivs = model.noNewPrivs;
  }

  abiVersion(): Result<number, SyscallFailure> {
    return this.model.refusal ? fail(this.model.refusal) : ok(this.model.abi);
  }

  errata(): Result<bigint, SyscallFailure> {
    const { refusal, errata } = this.model;
    if (refusal) return fail(refusal);
    return errata === undefined ? fail("EINVAL") : ok(errata);
  }

  createRuleset(attr: RulesetAttr, size: number = RULESET_ATTR_SIZE): Result<number, SyscallFailure> {
    const model = this.model;
    if (model.refusal) return fail(model.refusal);
    if (!Number.isInteger(size) || size < MIN_ATTR_SIZE) return fail("EINVAL");
    if (size > RULESET_ATTR_MAX_SIZE || size > model.pageSize) return fail("E2BIG");
    const fields = this.copyStruct(attr, size);
    if (fields === undefined) return fail("E2BIG");
    const { handledAccessFs: fs, handledAccessNet: net, scoped: scope } = fields;
    const { quietAccessFs: quietFs, quietAccessNet: quietNet, quietScoped: quietScope } = fields;
    const { known } = model;
    if ((fs & ~known.fs) !== 0n || (net & ~known.net) !== 0n || (scope & ~known.scope) !== 0n)
      return fail("EINVAL");
    // 7.2 (uncertain): quiet rights must be handled ones.
    if ((quietFs & ~fs) !== 0n || (quietNet & ~net) !== 0n || (quietScope & ~scope) !== 0n)
      return fail("EINVAL");
    // Each release tests the fields it knows (≤6.6 fs, 6.7–6.11 fs and net, 6.12+ all three): unknown ones are 0 here.
    if ((fs | net | scope) === 0n) return fail("ENOMSG");
    return this.allocate({ kind: "ruleset", fs, net, scope });
  }

  // The struct as the kernel reads it: `size` bytes of the SDK's struct (zeroes past it), widened or cut to the
  // kernel's own; `undefined` when a byte the kernel does not know is non-zero (E2BIG).
  private copyStruct(attr: RulesetAttr, size: number): Required<RulesetAttr> | undefined {
    const { attrSize, littleEndian } = this.model;
    const struct = this.struct;
    RULESET_ATTR_FIELDS.forEach((field, index) => {
      struct.setBigUint64(index * 8, BigInt.asUintN(64, attr[field] ?? 0n), littleEndian);
    });
    for (let at = attrSize; at < Math.min(size, RULESET_ATTR_SIZE); at++)
      if (struct.getUint8(at) !== 0) return undefined;
    for (let at = Math.min(size, attrSize); at < RULESET_ATTR_SIZE; at++) struct.setUint8(at, 0);
    return Object.fromEntries(
      RULESET_ATTR_FIELDS.map((field, index) => [field, struct.getBigUint64(index * 8, littleEndian)]),
    ) as Required<RulesetAttr>;
  }

  addRule(rulesetFd: number, rule: LandlockRule, flags = 0n): Result<void, SyscallFailure> {
    const model = this.model;
    if (model.refusal) return fail(model.refusal);
    if (!isFdArgument(rulesetFd) || (rule.type === "path-beneath" && !isFdArgument(rule.parentFd)))
      return fail("EBADF");
    if ((u32Flags(flags) & ~Number(model.known.rule)) !== 0) return fail("EINVAL");
    const typeKnown = model.ruleTypes.has(rule.type);
    if (model.preFiveNineteenOrder && !typeKnown) return fail("EINVAL");
    const ruleset = this.rulesetAt(rulesetFd);
    if (typeof ruleset === "string") return fail(ruleset);
    if (!typeKnown) return fail("EINVAL");
    const allowed = BigInt.asUintN(64, rule.allowed);
    if (allowed === 0n) return fail("ENOMSG");
    if (rule.type === "net-port") {
      if ((allowed & ~ruleset.net) !== 0n || BigInt.asUintN(64, rule.port) > MAX_PORT) return fail("EINVAL");
      return DONE;
    }
    if ((allowed & ~ruleset.fs) !== 0n) return fail("EINVAL");
    const parent = this.fds.get(rule.parentFd);
    if (!parent) return fail("EBADF");
    switch (parent.kind) {
      case "ruleset":
      case "pipe":
      case "socket":
      case "nsfs":
        return fail("EBADFD");
      case "file":
      case "o-path-file":
        return (allowed & ~LANDLOCK_FILE_RIGHTS) !== 0n ? fail("EINVAL") : DONE;
      case "directory":
      case "o-path-directory":
        return DONE;
    }
  }

  restrictSelf(rulesetFd: number, flags: bigint): Result<void, SyscallFailure> {
    const model = this.model;
    if (model.refusal) return fail(model.refusal);
    if (!isFdArgument(rulesetFd)) return fail("EBADF");
    const bits = u32Flags(flags);
    const unknownFlags = (bits & ~Number(model.known.restrict)) !== 0;
    if (model.preFiveNineteenOrder && unknownFlags) return fail("EINVAL");
    if (!this.noNewPrivs && !model.capSysAdmin) return fail("EPERM");
    if (unknownFlags) return fail("EINVAL");
    if (model.fdLessSubdomainsOff && rulesetFd === -1 && bits === LOG_SUBDOMAINS_OFF) return DONE;
    const ruleset = this.rulesetAt(rulesetFd);
    if (typeof ruleset === "string") return fail(ruleset);
    if (this.layers + 1 > model.layerLimit) return fail("E2BIG");
    this.layers++;
    this.unconfinedThreads = (bits & TSYNC) !== 0 ? 0 : model.threads - 1;
    return DONE;
  }

  setNoNewPrivs(): Result<void, SyscallFailure> {
    this.noNewPrivs = true;
    return DONE;
  }

  threadCount(): Result<number, SyscallFailure> {
    return ok(this.model.threads);
  }

  openPath(path: string): Result<{ readonly fd: number; readonly directory: boolean }, SyscallFailure> {
    if (typeof path !== "string" || path.includes("\0")) return fail("EINVAL");
    if (!Object.hasOwn(this.paths, path)) return fail("ENOENT");
    const directory = this.paths[path] === "directory";
    return this.allocate({ kind: directory ? "o-path-directory" : "o-path-file" }).map((fd) => ({
      fd,
      directory,
    }));
  }

  close(fd: number): Result<void, SyscallFailure> {
    return this.fds.delete(fd) ? DONE : fail("EBADF");
  }

  openFile(kind: MockFileKind): Result<number, SyscallFailure> {
    return this.allocate({ kind });
  }

  openFds(): readonly number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }

  restriction(): MockRestriction {
    return { layers: this.layers, unconfinedThreads: this.unconfinedThreads, noNewPrivs: this.noNewPrivs };
  }

  // get_ruleset_from_fd(): not open or O_PATH → EBADF, another file → EBADFD.
  private rulesetAt(fd: number): Ruleset | Errno {
    const file = this.fds.get(fd);
    if (!file || file.kind === "o-path-directory" || file.kind === "o-path-file") return "EBADF";
    return file.kind === "ruleset" ? file : "EBADFD";
  }

  // The kernel hands out the lowest free fd; 0–2 are the standard streams.
  private allocate(file: MockFd): Result<number, SyscallFailure> {
    if (this.fds.size >= this.model.fdLimit) return fail("EMFILE");
    let fd = FIRST_FD;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, file);
    return ok(fd);
  }
}

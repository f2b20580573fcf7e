import { fstatSync, readdirSync } from "node:fs";
import {
  type Errno,
  errnoName,
  isErrno,
  type NegotiationError,
  type SyscallFailure,
} from "@negotiate/core/engine";
import {
  isFdArgument,
  LANDLOCK_QUERY_FLAGS,
  LANDLOCK_RULE_TYPE_CODES,
  type LandlockPort,
  type LandlockRule,
  RULESET_ATTR_FIELDS,
  RULESET_ATTR_MAX_SIZE,
  RULESET_ATTR_SIZE,
  type RulesetAttr,
  u32Flags,
} from "@negotiate/core/landlock";
import { err, fromThrowable, ok, type Result } from "neverthrow";
import { archConstants } from "../arch.js";
import { type PortHost, type PortRequirements, portForHost } from "../host-port.js";
import { runningKernelInfo } from "../proc.js";
import {
  type LandlockSyscalls,
  landlockSyscalls,
  O_PATH_CLOEXEC,
  PR_SET_NO_NEW_PRIVS,
} from "./landlock-arch.js";
import { type LandlockLibc, loadLandlockLibc } from "./landlock-bindings.js";

/** The Landlock port on the running kernel, through koffi. */
export type LinuxLandlockPort = LandlockPort & {
  readonly info: { readonly name: "linux"; readonly kernelRelease: string; readonly arch: string };
};

// The byte order the kernel reads: what the machine writes a 1 as (node:os loads only when a release is read).
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const PATH_BENEATH_SIZE = 12;
const NET_PORT_SIZE = 16;
const EBADF = Object.freeze(err<never, SyscallFailure>(Object.freeze({ errno: "EBADF" })));
const EINVAL = Object.freeze(err<never, SyscallFailure>(Object.freeze({ errno: "EINVAL" })));
const E2BIG = Object.freeze(err<never, SyscallFailure>(Object.freeze({ errno: "E2BIG" })));
const DONE = Object.freeze(ok<void, SyscallFailure>(undefined));

// Node's fs errors carry the errno's name as `code`.
const nodeFailure = (error: unknown): SyscallFailure => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return { errno: isErrno(code) ? code : "EIO" };
};

const listTasks = fromThrowable(() => readdirSync("/proc/self/task").length, nodeFailure);

// fstat works on O_PATH fds (Linux 3.6+); Node's answers without a struct layout per architecture.
const isDirectoryFd = fromThrowable((fd: number) => fstatSync(fd).isDirectory(), nodeFailure);

class KernelLandlock implements LinuxLandlockPort {
  readonly info;
  // One ruleset struct for every call: its first RULESET_ATTR_SIZE bytes are written, the rest stays zero so
  // that any size up to RULESET_ATTR_MAX_SIZE reads zeroes past the fields.
  private readonly attr = new Uint8Array(RULESET_ATTR_MAX_SIZE);
  // Native byte order, as the kernel reads it; assigning a bigint keeps its low 64 bits.
  private readonly attrWords = new BigUint64Array(this.attr.buffer, 0, RULESET_ATTR_FIELDS.length);
  private readonly rule = new Uint8Array(NET_PORT_SIZE);
  private readonly ruleView = new DataView(this.rule.buffer);
  private readonly pathBeneath = this.rule.subarray(0, PATH_BENEATH_SIZE);

  constructor(
    private readonly libc: LandlockLibc,
    private readonly nr: LandlockSyscalls,
    arch: string,
  ) {
    this.info = runningKernelInfo(arch);
  }

  abiVersion(): Result<number, SyscallFailure> {
    const rc = this.libc.createRuleset(this.nr.createRuleset, null, 0, LANDLOCK_QUERY_FLAGS.version);
    return rc >= 0 ? ok(rc) : this.failure();
  }

  errata(): Result<bigint, SyscallFailure> {
    const rc = this.libc.createRuleset(this.nr.createRuleset, null, 0, LANDLOCK_QUERY_FLAGS.errata);
    return rc >= 0 ? ok(BigInt(rc)) : this.failure();
  }

  createRuleset(attr: RulesetAttr, size: number = RULESET_ATTR_SIZE): Result<number, SyscallFailure> {
    if (!Number.isInteger(size) || size < 0) return EINVAL;
    if (size > RULESET_ATTR_MAX_SIZE) return E2BIG;
    // In RULESET_ATTR_FIELDS order, each field read by name: a loop of keyed reads costs more than the syscall's
    // own argument checks.
    const words = this.attrWords;
    words[0] = attr.handledAccessFs ?? 0n;
    words[1] = attr.handledAccessNet ?? 0n;
    words[2] = attr.scoped ?? 0n;
    words[3] = attr.quietAccessFs ?? 0n;
    words[4] = attr.quietAccessNet ?? 0n;
    words[5] = attr.quietScoped ?? 0n;
    const fd = this.libc.createRuleset(this.nr.createRuleset, this.attr, size, 0);
    return fd >= 0 ? ok(fd) : this.failure();
  }

  addRule(rulesetFd: number, rule: LandlockRule, flags = 0n): Result<void, SyscallFailure> {
    if (!isFdArgument(rulesetFd)) return EBADF;
    // A type no kernel knows (only an untyped caller can pass one) is what the kernel answers for it.
    if (!Object.hasOwn(LANDLOCK_RULE_TYPE_CODES, rule.type)) return EINVAL;
    const type = LANDLOCK_RULE_TYPE_CODES[rule.type];
    const view = this.ruleView;
    view.setBigUint64(0, BigInt.asUintN(64, rule.allowed), LITTLE_ENDIAN);
    let attr: Uint8Array;
    if (rule.type === "path-beneath") {
      if (!isFdArgument(rule.parentFd)) return EBADF;
      view.setInt32(8, rule.parentFd, LITTLE_ENDIAN);
      attr = this.pathBeneath;
    } else {
      view.setBigUint64(8, BigInt.asUintN(64, rule.port), LITTLE_ENDIAN);
      attr = this.rule;
    }
    const rc = this.libc.addRule(this.nr.addRule, rulesetFd, type, attr, u32Flags(flags));
    return rc === 0 ? DONE : this.failure();
  }

  restrictSelf(rulesetFd: number, flags: bigint): Result<void, SyscallFailure> {
    if (!isFdArgument(rulesetFd)) return EBADF;
    const rc = this.libc.restrictSelf(this.nr.restrictSelf, rulesetFd, u32Flags(flags));
    return rc === 0 ? DONE : this.failure();
  }

  setNoNewPrivs(): Result<void, SyscallFailure> {
    return this.libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) === 0 ? DONE : this.failure();
  }

  threadCount(): Result<number, SyscallFailure> {
    return listTasks();
  }

  openPath(path: string): Result<{ readonly fd: number; readonly directory: boolean }, SyscallFailure> {
    if (typeof path !== "string" || path.includes("\0")) return EINVAL;
    const fd = this.libc.open(Buffer.from(`${path}\0`, "utf8"), O_PATH_CLOEXEC);
    if (fd < 0) return this.failure();
    const directory = isDirectoryFd(fd);
    if (directory.isErr()) {
      this.libc.close(fd);
      return err(directory.error);
    }
    return ok({ fd, directory: directory.value });
  }

  close(fd: number): Result<void, SyscallFailure> {
    if (!isFdArgument(fd)) return EBADF;
    return this.libc.close(fd) === 0 ? DONE : this.failure();
  }

  // Called right after a failed call, before anything else can overwrite errno.
  private failure(): Result<never, SyscallFailure> {
    return err({ errno: errnoName(this.libc.errno()) as Errno });
  }
}

/** Where the port runs, and how it binds libc: the process's own values unless a test says otherwise. */
export type LandlockHost = PortHost<LandlockLibc>;

const LANDLOCK_PORT: PortRequirements<LandlockSyscalls> = {
  interfaceName: "Landlock",
  portName: "the Linux Landlock port",
  numbersFor: landlockSyscalls,
  numbersPhrase: "syscall numbers are",
};

/** A Landlock port for `host`, without the per-process cache. */
export function createLandlockBackend(host: LandlockHost): Result<LinuxLandlockPort, NegotiationError> {
  return portForHost(
    host,
    LANDLOCK_PORT,
    (libc, nr) => new KernelLandlock(libc, nr, archConstants(host.arch)?.name ?? host.arch),
  );
}

let cached: LinuxLandlockPort | undefined;

/**
 * The Landlock port of this process on the running kernel. Loads koffi on first call. Errors:
 * `backend-unavailable` off Linux or when koffi cannot load; `unsupported` (`unknown-arch`) on an
 * architecture without known syscall numbers. A kernel without Landlock is not an error here: its calls
 * answer ENOSYS or EOPNOTSUPP.
 */
export function landlockBackend(): Result<LinuxLandlockPort, NegotiationError> {
  if (cached) return ok(cached);
  return createLandlockBackend({
    platform: process.platform,
    arch: process.arch,
    loadLibc: loadLandlockLibc,
  }).map((port) => {
    cached = port;
    return port;
  });
}

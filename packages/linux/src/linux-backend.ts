import {
  type ApiFailure,
  type ApiReply,
  type Denial,
  errnoName,
  type HostProfile,
  type NegotiationError,
  type OpenMode,
  type OpenRequest,
  type PermissionCause,
  type SyscallFailure,
} from "@negotiate/core/engine";
import { err, ok, type Result } from "neverthrow";
import { type ArchConstants, archConstants, O_RDONLY, UFFD_USER_MODE_ONLY, UFFDIO_API } from "./arch.js";
import { type Libc, loadLibc } from "./bindings.js";
import { captureHostProfile } from "./capture.js";
import { diagnoseDenial, diagnoseUnavailable } from "./diagnose.js";
import { type PortHost, type PortRequirements, portForHost } from "./host-port.js";
import { landlockBackend } from "./landlock/landlock-backend.js";
import type { LinuxBackend, LinuxBackendOptions } from "./linux-backend-api.js";
import {
  parseFdinfoFeatures,
  readConfigUserfaultfd,
  readLandlockPrivileges,
  readPermissionEnvironment,
  readSecurityModule,
  runningKernelInfo,
} from "./proc.js";

const DEFAULT_DEVICE = "/dev/userfaultfd";
const FDINFO_PREFIX = "/proc/self/fdinfo/";

// Every successful close answers the same: no allocation per close.
const CLOSED: Result<void, SyscallFailure> = ok(undefined);

const nulTerminated = (text: string): Uint8Array => Buffer.from(`${text}\0`, "latin1");

class KernelBackend implements LinuxBackend {
  readonly info;
  // One `struct uffdio_api` for every call, in native byte order.
  private readonly words = new BigUint64Array(3);
  private readonly struct = new Uint8Array(this.words.buffer);
  private readonly devicePath: string;
  // Made on the first open through the device: most kernels are asked through the syscall.
  private device: Uint8Array | undefined;
  private readonly fdinfoPath = new Uint8Array(FDINFO_PREFIX.length + 12);
  // seq_file hands the whole fdinfo text to one read that has room for it.
  private readonly fdinfo = new Uint8Array(4096);

  constructor(
    private readonly libc: Libc,
    private readonly arch: ArchConstants,
    devicePath: string,
  ) {
    this.info = runningKernelInfo(arch.name);
    this.devicePath = devicePath;
    // ASCII, written byte by byte: a first Buffer.from(…, "latin1") costs a start-up ~0.1 ms.
    for (let at = 0; at < FDINFO_PREFIX.length; at++) this.fdinfoPath[at] = FDINFO_PREFIX.charCodeAt(at);
  }

  open(request: OpenRequest): Result<number, SyscallFailure> {
    const flags =
      (request.closeOnExec ? this.arch.oCloexec : 0) | (request.nonBlocking ? this.arch.oNonblock : 0);
    switch (request.mode) {
      case "syscall":
        return this.created(this.libc.syscall1(this.arch.userfaultfd, flags));
      case "user-mode-only":
        return this.created(this.libc.syscall1(this.arch.userfaultfd, flags | UFFD_USER_MODE_ONLY));
      case "device":
        return this.fromDevice(flags);
    }
  }

  private created(fd: number): Result<number, SyscallFailure> {
    return fd >= 0 ? ok(fd) : err({ errno: errnoName(this.libc.errno()) });
  }

  private fromDevice(flags: number): Result<number, SyscallFailure> {
    const libc = this.libc;
    this.device ??= nulTerminated(this.devicePath);
    const device = libc.open(this.device, this.arch.oRdwr | this.arch.oCloexec);
    if (device < 0) return err({ errno: errnoName(libc.errno()) });
    const fd = libc.ioctlInteger(device, this.arch.ioctlNew, flags);
    const errno = fd < 0 ? libc.errno() : 0;
    libc.close(device);
    return fd >= 0 ? ok(fd) : err({ errno: errnoName(errno) });
  }

  api(fd: number, api: bigint, features: bigint): Result<ApiReply, ApiFailure> {
    const words = this.words;
    words[0] = api;
    words[1] = features;
    words[2] = 0n;
    const rc = this.libc.ioctlPointer(fd, UFFDIO_API, this.struct);
    const errno = rc < 0 ? this.libc.errno() : 0;
    const reply = { api: words[0]!, features: words[1]!, ioctls: words[2]! };
    return rc < 0 ? err({ errno: errnoName(errno), reply }) : ok(reply);
  }

  close(fd: number): Result<void, SyscallFailure> {
    return this.libc.close(fd) === 0 ? CLOSED : err({ errno: errnoName(this.libc.errno()) });
  }

  explainDenial(denial: Denial): PermissionCause {
    return diagnoseDenial(denial, readPermissionEnvironment(), this.devicePath, readSecurityModule);
  }

  explainUnavailable(mode: OpenMode): PermissionCause | undefined {
    return diagnoseUnavailable(mode, readPermissionEnvironment(), readConfigUserfaultfd());
  }

  enabledFeatures(fd: number): Result<bigint, SyscallFailure> {
    const libc = this.libc;
    const file = libc.open(this.fdinfoPathOf(fd), O_RDONLY | this.arch.oCloexec);
    if (file < 0) {
      const errno = errnoName(libc.errno());
      // No fdinfo entry for the fd means no such fd, as every other call on it would say.
      return err({ errno: errno === "ENOENT" ? "EBADF" : errno });
    }
    const length = libc.read(file, this.fdinfo, this.fdinfo.length);
    const errno = length < 0 ? libc.errno() : 0;
    libc.close(file);
    if (length < 0) return err({ errno: errnoName(errno) });
    const features = parseFdinfoFeatures(this.fdinfo, length);
    return features === undefined ? err({ errno: "ENOTTY" }) : ok(features);
  }

  // Writes `/proc/self/fdinfo/<fd>\0` into the reused path buffer.
  private fdinfoPathOf(fd: number): Uint8Array {
    const path = this.fdinfoPath;
    let digits = 1;
    for (let rest = fd; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = FDINFO_PREFIX.length + digits;
    path[at] = 0;
    for (let rest = fd; at > FDINFO_PREFIX.length; rest = Math.floor(rest / 10))
      path[--at] = 0x30 + (rest % 10);
    return path;
  }

  capture(): Result<HostProfile, NegotiationError> {
    return captureHostProfile(this, {
      release: this.info.kernelRelease,
      arch: this.info.arch,
      uid: process.getuid?.() ?? -1,
      environment: readPermissionEnvironment(),
      capturedAt: new Date(),
      // An architecture without Landlock numbers gives a version 1 profile.
      ...landlockBackend().match(
        (port) => ({ landlock: { port, ...readLandlockPrivileges() } }),
        () => ({}),
      ),
    });
  }
}

/** Where the backend runs, and how it binds libc: the process's own values unless a test says otherwise. */
export type BackendHost = PortHost<Libc>;

const USERFAULTFD_PORT: PortRequirements<ArchConstants> = {
  interfaceName: "userfaultfd",
  portName: "the Linux backend",
  numbersFor: archConstants,
  numbersPhrase: "syscall number is",
};

/** A backend for `host`, without the per-process cache. */
export function createLinuxBackend(
  host: BackendHost,
  options: LinuxBackendOptions = {},
): Result<LinuxBackend, NegotiationError> {
  return portForHost(
    host,
    USERFAULTFD_PORT,
    (libc, arch) => new KernelBackend(libc, arch, options.devicePath ?? DEFAULT_DEVICE),
  );
}

const backends = new Map<string, LinuxBackend>();

/**
 * The Linux backend of this process: one instance per device path, so that what the `auto` strategy learns
 * about it is kept across negotiations. Loads koffi on first call. Errors: `backend-unavailable` off Linux or
 * when koffi cannot load; `unsupported` (`unknown-arch`) on an architecture without a known syscall number.
 */
export function linuxBackend(options: LinuxBackendOptions = {}): Result<LinuxBackend, NegotiationError> {
  const devicePath = options.devicePath ?? DEFAULT_DEVICE;
  const cached = backends.get(devicePath);
  if (cached) return ok(cached);
  return createLinuxBackend({ platform: process.platform, arch: process.arch, loadLibc }, { devicePath }).map(
    (backend) => {
      backends.set(devicePath, backend);
      return backend;
    },
  );
}

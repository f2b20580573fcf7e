import {
  type Backend,
  type CapturedOutcome,
  type Errno,
  FeatureSet,
  type HostProfile,
  type NegotiationError,
  OPEN_MODES,
  type OpenMode,
  UFFD_API,
} from "@negotiate/core/engine";
import { err, ok, type Result } from "neverthrow";
import type { PermissionEnvironment } from "./proc.js";

const EVENT_FORK = FeatureSet.of("EVENT_FORK").mask;
const FRESH = { closeOnExec: true, nonBlocking: true } as const;

/** Who captured the profile, and on which kernel. */
export interface CaptureContext {
  readonly release: string;
  readonly arch: string;
  readonly uid: number;
  readonly environment: PermissionEnvironment;
  readonly capturedAt: Date;
}

/** Records what `backend` offers through the port alone; every fd opened here is closed here. */
export function captureHostProfile(
  backend: Backend,
  context: CaptureContext,
): Result<HostProfile, NegotiationError> {
  const openModes = {} as Record<OpenMode, CapturedOutcome>;
  let usable: OpenMode | undefined;
  let firstRefusal: Errno | undefined;
  for (const mode of OPEN_MODES) {
    const opened = backend.open({ mode, ...FRESH });
    if (opened.isErr()) {
      if (isExhaustion(opened.error.errno)) return err(exhausted(opened.error.errno));
      openModes[mode] = { errno: opened.error.errno };
      firstRefusal ??= opened.error.errno;
      continue;
    }
    openModes[mode] = "ok";
    usable ??= mode;
    backend.close(opened.value);
  }
  const profile = (api: HostProfile["api"], eventFork: CapturedOutcome): HostProfile => ({
    format: "negotiate-host-profile",
    version: 1,
    capturedAt: context.capturedAt.toISOString(),
    kernel: { release: context.release, arch: context.arch },
    privileges: {
      uid: context.uid,
      capSysPtrace: context.environment.capSysPtrace,
      ...(context.environment.unprivilegedUserfaultfd === undefined
        ? {}
        : { unprivilegedUserfaultfd: context.environment.unprivilegedUserfaultfd }),
    },
    api,
    openModes,
    eventFork,
  });
  if (usable === undefined) return ok(profile({ supported: 0n, ioctls: 0n }, { errno: firstRefusal! }));
  const mode = usable;
  return onFreshFd(backend, mode, (fd) => {
    const probed = backend.api(fd, UFFD_API, 0n);
    return probed.isOk()
      ? ok({ supported: probed.value.features, ioctls: probed.value.ioctls })
      : err(
          refused(
            `UFFDIO_API with features = 0 on a ${mode} fd failed with ${probed.error.errno}`,
            probed.error.errno,
          ),
        );
  }).andThen((api) =>
    onFreshFd(backend, mode, (fd) => {
      const fork = backend.api(fd, UFFD_API, EVENT_FORK);
      return ok<CapturedOutcome, NegotiationError>(fork.isOk() ? "ok" : { errno: fork.error.errno });
    }).map((eventFork) => profile(api, eventFork)),
  );
}

function onFreshFd<T>(
  backend: Backend,
  mode: OpenMode,
  use: (fd: number) => Result<T, NegotiationError>,
): Result<T, NegotiationError> {
  const opened = backend.open({ mode, ...FRESH });
  if (opened.isErr()) {
    const { errno } = opened.error;
    return err(
      isExhaustion(errno)
        ? exhausted(errno)
        : refused(`a ${mode} uffd opened once and then failed with ${errno}`, errno),
    );
  }
  const result = use(opened.value);
  backend.close(opened.value);
  return result;
}

// Running out of fds or memory says nothing about the host: no profile is recorded.
const isExhaustion = (errno: Errno): boolean =>
  errno === "EMFILE" || errno === "ENFILE" || errno === "ENOMEM";

const exhausted = (errno: Errno): NegotiationError => ({
  kind: "resource-exhausted",
  errno,
  op: "open",
  message: `capture: creating a uffd failed with ${errno}; no profile recorded`,
});

const refused = (detail: string, errno: Errno): NegotiationError => ({
  kind: "unexpected",
  errno,
  detail,
  message: `capture: ${detail}`,
});

import { parseKernelRelease } from "@negotiate/core";
import type { ConformanceFileKind } from "@negotiate/core/conformance";
import { landlockConformance } from "@negotiate/core/conformance";
import type { LandlockPort } from "@negotiate/core/landlock";
import { landlockAbiOfRelease, landlockErrataOf } from "@negotiate/core/landlock";
import {
  type KernelRelease,
  type LandlockMockOptions,
  landlockMockBackend,
  type MockLandlockPort,
} from "../../src/index.js";

const KINDS = { directory: "directory", file: "file", nsfs: "nsfs" } as const satisfies Record<
  ConformanceFileKind,
  string
>;
const openFile = (port: LandlockPort, kind: ConformanceFileKind) =>
  (port as MockLandlockPort).openFile(KINDS[kind])._unsafeUnwrap();

// One mainline release per ABI, as an unprivileged process and as root; then arches with another byte order or page size.
const RELEASES: readonly KernelRelease[] = [
  "5.13.19",
  "5.19.17",
  "6.2.16",
  "6.7.12",
  "6.10.14",
  "6.12.40",
  "6.15.9",
  "6.18.44",
  "7.0.3",
  "7.1.1",
  "7.2.0",
];

function target(name: string, options: LandlockMockOptions, abiErrata: { abi: number; errata?: bigint }) {
  landlockConformance({
    name,
    create: () => landlockMockBackend(options),
    openFile,
    openFdCount: (port) => (port as MockLandlockPort).openFds().length,
    can: {
      ...abiErrata,
      privileged: options.capSysAdmin === true,
      restricts: true,
      flagsBeforePrivilege: abiErrata.abi === 1,
      ...(options.arch === "ppc64le" ? { pageSize: 65_536 } : {}),
    },
  });
}

for (const kernel of RELEASES) {
  const version = parseKernelRelease(kernel)._unsafeUnwrap();
  const abi = landlockAbiOfRelease(version);
  const errata = abi >= 7 ? { errata: landlockErrataOf(version, abi) } : {};
  for (const capSysAdmin of [false, true])
    target(`mock ${kernel}${capSysAdmin ? " root" : ""}`, { kernel, capSysAdmin }, { abi, ...errata });
}
target("mock 6.18 s390x (big-endian)", { kernel: "6.18.0", arch: "s390x" }, { abi: 7, errata: 7n });
target("mock 6.18 ppc64le (64 KiB pages)", { kernel: "6.18.0", arch: "ppc64le" }, { abi: 7, errata: 7n });
target("mock RHEL 9.6", { kernel: "5.14.0-570.el9.x86_64", quirks: { abi: 5 } }, { abi: 5 });

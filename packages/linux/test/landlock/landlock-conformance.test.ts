import { constants, openSync, readdirSync } from "node:fs";
import { release, tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { ConformanceFileKind } from "@negotiate/core/conformance";
import { landlockConformance } from "@negotiate/core/conformance";
import { describe, it } from "vitest";
import { landlockBackend } from "../../src/index.js";

const port = landlockBackend();
const abi = port.andThen((landlock) => landlock.abiVersion());
const errata = port.andThen((landlock) => landlock.errata());

// Files the suite needs, as this process opens them: a directory, a regular file, a file on nsfs (internal).
const PATHS: Record<ConformanceFileKind, [string, number]> = {
  directory: ["/tmp", constants.O_RDONLY | constants.O_DIRECTORY],
  file: [fileURLToPath(import.meta.url), constants.O_RDONLY],
  nsfs: ["/proc/self/ns/net", constants.O_RDONLY],
};

if (abi.isOk()) {
  landlockConformance({
    name: `linux ${release()} (uid ${process.getuid?.()})`,
    create: () => landlockBackend()._unsafeUnwrap(),
    openFile: (_port, kind) => openSync(...PATHS[kind]),
    openFdCount: () => readdirSync("/proc/self/fd").length,
    paths: {
      directory: tmpdir(),
      file: fileURLToPath(import.meta.url),
      missing: "/nonexistent-negotiate-conformance",
    },
    // The test runner is root here, and is never restricted (restriction is proved in children).
    can: {
      abi: abi.value,
      ...(errata.isOk() ? { errata: errata.value } : {}),
      privileged: process.getuid?.() === 0,
    },
  });
} else {
  describe("landlock conformance: linux", () => {
    const why = abi.error;
    it.skip(`skipped: no usable Landlock here (${"errno" in why ? why.errno : why.message})`, () => {});
  });
}

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The built package (test:all builds before testing), required by a fresh process as a program would.
const repository = join(import.meta.dirname, "../../..");
const built = existsSync(join(repository, "packages/linux/dist/index.cjs"));

const PROGRAM = `
const loaded = () => process.moduleLoadList.includes("NativeModule os");
const { landlockBackend, linuxBackend } = require("@negotiate/linux");
const backend = linuxBackend();
const landlock = landlockBackend();
const steps = { created: backend.isOk() && landlock.isOk(), osAfterCreate: loaded() };
steps.release = backend.isOk() ? backend.value.info.kernelRelease : undefined;
steps.osAfterRelease = loaded();
steps.sameRelease =
  backend.isOk() && backend.value.info.kernelRelease === steps.release &&
  landlock.isOk() && landlock.value.info.kernelRelease === steps.release;
console.log(JSON.stringify(steps));`;

describe.runIf(built && process.platform === "linux" && process.arch === "x64")(
  "the built linux package",
  () => {
    it("makes its backends (userfaultfd, Landlock) without loading node:os, and reads the release when asked, once", () => {
      const child = spawnSync(process.execPath, ["-e", PROGRAM], { cwd: repository, encoding: "utf8" });
      expect(child.stderr).toBe("");
      expect(JSON.parse(child.stdout)).toEqual({
        created: true,
        osAfterCreate: false,
        release: release(),
        osAfterRelease: true,
        sameRelease: true,
      });
    });
  },
);

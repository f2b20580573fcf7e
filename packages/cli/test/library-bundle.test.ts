import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Options } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config from "../../../tsup.config.js";
import type { CliIo } from "../src/output.js";

// `@negotiate/cli`'s library entry exactly as the root tsup config builds it (without its types).
const root = new URL("../../../", import.meta.url).pathname;
let dist = "";

beforeAll(async () => {
  const library = (config as Options[]).find((entry) => entry.name === "cli-library");
  if (!library) throw new Error("tsup.config.ts has no cli-library build");
  mkdirSync(join(root, "node_modules", ".cache"), { recursive: true });
  dist = mkdtempSync(join(root, "node_modules", ".cache", "negotiate-cli-library-"));
  await build({ ...library, outDir: dist, dts: false, silent: true, config: false });
}, 30_000);
afterAll(() => rmSync(dist, { recursive: true, force: true }));

type Library = { main(argv: readonly string[], io: CliIo): Promise<number> };

async function probeJson(library: Library): Promise<{ code: number; supported: string[] }> {
  const out: string[] = [];
  const io: CliIo = { stdout: { write: (text) => out.push(text) }, stderr: { write: () => {} }, env: {} };
  const code = await library.main(["probe", "--kernel", "6.18", "--json"], io);
  return { code, supported: JSON.parse(out.join("")).supported };
}

describe("the @negotiate/cli library bundle", () => {
  it("imports as an ES module and runs a command (its bundled CommonJS dependencies find require)", async () => {
    const library = (await import(pathToFileURL(join(dist, "index.js")).href)) as Library;
    expect(await probeJson(library)).toMatchObject({ code: 0, supported: expect.arrayContaining(["MOVE"]) });
  });

  it("requires as CommonJS and runs a command", async () => {
    const library = createRequire(import.meta.url)(join(dist, "index.cjs")) as Library;
    expect(await probeJson(library)).toMatchObject({ code: 0, supported: expect.arrayContaining(["MOVE"]) });
  });
});

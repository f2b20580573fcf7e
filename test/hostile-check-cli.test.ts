import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliIo, main } from "@negotiate/cli";
import { afterAll, describe, expect, it } from "vitest";
import { corpusFiles } from "./hostile/cases.js";

// `negotiate check` on every file of the hostile corpus (and on a FIFO and a 2,000-file chain, made here),
// through the CLI's in-process entry point: exit 2, within a generous 1 s each by the monotonic clock, and
// nothing of the non-policy files the corpus extends in what it prints.
const files = join(import.meta.dirname, "hostile", "files");
const made = mkdtempSync(join(tmpdir(), "negotiate-hostile-cli-"));
execFileSync("mkfifo", [join(made, "fifo.yaml")]);
for (let index = 0; index < 2000; index++)
  writeFileSync(join(made, `${index}.yaml`), `version: 1\nextends: ./${index + 1}.yaml\n`);
afterAll(() => rmSync(made, { recursive: true, force: true }));

const MAX_MS = 1000;
const SECRETS = /SECRET|do-not-show/;
const inputs = [
  ...corpusFiles(files).map((file) => join(files, file)),
  join(made, "fifo.yaml"),
  join(made, "0.yaml"),
];

async function check(file: string, json: boolean) {
  const out: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text), isTTY: false },
    stderr: { write: (text: string) => out.push(text), isTTY: false },
    env: {},
  };
  const start = process.hrtime.bigint();
  const code = await main(["check", file, ...(json ? ["--json"] : [])], io);
  return { code, ms: Number(process.hrtime.bigint() - start) / 1e6, output: out.join("") };
}

describe("negotiate check on the hostile corpus", () => {
  it.each(inputs)("%s: exit 2 within 1 s, no secret, no raw control character", async (file) => {
    for (const json of [false, true]) {
      const { code, ms, output } = await check(file, json);
      expect(code).toBe(2);
      expect(ms).toBeLessThanOrEqual(MAX_MS);
      expect(output).not.toMatch(SECRETS);
      // Line breaks only: every other control character of a file is printed escaped.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
      expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });
});

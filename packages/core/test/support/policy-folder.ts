import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * A temporary folder for one test file's policy files, removed after its tests: `write(name, lines)` writes
 * `lines` (and a final newline) to `name` inside it, making its folders, and returns its path.
 */
export function policyFolder(prefix: string): {
  readonly root: string;
  readonly write: (name: string, lines: readonly string[]) => string;
} {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (name: string, lines: readonly string[]): string => {
    const path = join(root, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, `${lines.join("\n")}\n`);
    return path;
  };
  return { root, write };
}

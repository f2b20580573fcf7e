import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Every temporary file a test (or a child it starts) makes goes under one folder per run, removed at the end: a
// test that forgets its own clean-up (or dies before it) leaves nothing in the machine's temporary folder.
// 0755, so that unprivileged children (uid 65534) can reach the readable folders made inside it.
export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), "negotiate-test-run-"));
  chmodSync(folder, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(folder, { recursive: true, force: true });
  };
}

import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { landlockBackend } from "../../src/index.js";
import { toJson } from "../support/bigint-json.js";
import { runFixture } from "../support/child.js";

interface Probes {
  readonly readAllowed: string;
  readonly readDenied: string;
  readonly writeAllowedFile: string;
  readonly createInAllowedDir: string;
  readonly bindAllowed: string;
  readonly bindDenied: string;
  readonly connectAllowed: string;
  readonly connectDenied: string;
  readonly signalOutside: string;
}

interface Report {
  readonly uid: number;
  readonly abi: number;
  readonly rules: { readonly dir: boolean; readonly bind: boolean; readonly connect: boolean };
  readonly before: Probes;
  readonly withoutNoNewPrivs: string;
  readonly noNewPrivs: boolean;
  readonly restricted: string;
  readonly after: Probes;
}

const abi = landlockBackend().andThen((port) => port.abiVersion());
// A child's start-up (tsx compiling) takes seconds when both cores are busy.
const CHILD_TIMEOUT_MS = 60_000;
const UNPRIVILEGED = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"];

const listening = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );

// A port free now: listen on 0, read it, close.
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Every proof runs in a child restricted for good; the test runner itself is never restricted.
describe.runIf(abi.isOk() && abi.value >= 6)("Landlock confines a child: files, TCP ports, signals", () => {
  const root = mkdtempSync(join(tmpdir(), "negotiate-landlock-"));
  const servers: Server[] = [];
  const outside: ChildProcess[] = [];
  let listeners: [number, number];

  beforeAll(async () => {
    chmodSync(root, 0o777);
    listeners = [0, 0];
    for (const index of [0, 1]) {
      const server = createServer((socket) => socket.destroy());
      servers.push(server);
      listeners[index] = await listening(server);
    }
  });

  afterAll(async () => {
    for (const child of outside) child.kill("SIGKILL");
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(root, { recursive: true, force: true });
  });

  async function confine(unprivileged: boolean): Promise<Report> {
    const base = join(root, unprivileged ? "nobody" : "root");
    const allowedDir = join(base, "allowed");
    const deniedDir = join(base, "denied");
    for (const dir of [base, allowedDir, deniedDir]) {
      mkdirSync(dir);
      chmodSync(dir, 0o777);
    }
    const allowedFile = join(allowedDir, "data.txt");
    const deniedFile = join(deniedDir, "secret.txt");
    for (const file of [allowedFile, deniedFile]) {
      writeFileSync(file, "content");
      chmodSync(file, 0o666);
    }
    const sleeper = spawn(
      unprivileged ? UNPRIVILEGED[0]! : "sleep",
      [...(unprivileged ? [...UNPRIVILEGED.slice(1), "sleep"] : []), "60"],
      { stdio: "ignore" },
    );
    outside.push(sleeper);
    const setup = {
      allowedDir,
      allowedFile,
      deniedFile,
      bindAllowed: await freePort(),
      bindDenied: await freePort(),
      connectAllowed: listeners[0],
      connectDenied: listeners[1],
      outsidePid: sleeper.pid,
    };
    return runFixture<Report>(new URL("./fixtures/confined-child.ts", import.meta.url), {
      unprivileged,
      input: toJson(setup),
    });
  }

  const expectConfined = (report: Report) => {
    expect(report.rules).toEqual({ dir: true, bind: true, connect: true });
    // Unconfined, everything works: each denial below is Landlock's.
    expect(Object.values(report.before).every((outcome) => outcome === "ok")).toBe(true);
    expect(report.restricted).toBe("ok");
    expect(report.after).toEqual({
      readAllowed: "ok",
      readDenied: "EACCES",
      writeAllowedFile: "EACCES",
      createInAllowedDir: "EACCES",
      bindAllowed: "ok",
      bindDenied: "EACCES",
      connectAllowed: "ok",
      connectDenied: "EACCES",
      signalOutside: "EPERM",
    });
  };

  it(
    "as root: restricts without no_new_privs (CAP_SYS_ADMIN) and confines",
    async () => {
      const report = await confine(false);
      expect(report.uid).toBe(0);
      expect(report.withoutNoNewPrivs).toBe("ok");
      expectConfined(report);
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    "as uid 65534: EPERM without no_new_privs, then confined once it is set",
    async () => {
      const report = await confine(true);
      expect(report.uid).toBe(65534);
      expect(report.withoutNoNewPrivs).toBe("EPERM");
      expect(report.noNewPrivs).toBe(true);
      expectConfined(report);
    },
    CHILD_TIMEOUT_MS,
  );
});

describe.runIf(!(abi.isOk() && abi.value >= 6))("Landlock confinement", () => {
  it.skip("skipped: needs Landlock ABI 6 or later for files, TCP and the signal scope", () => {});
});

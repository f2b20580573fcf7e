import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UNPRIVILEGED } from "../support/child.js";
import type { Setup } from "./fixtures/landlock-probes.js";

/** What every probe of a confined child answers: reads beneath the allowed folder, the allowed ports, no more. */
export const CONFINED = {
  readAllowed: "ok",
  readDenied: "EACCES",
  writeAllowedFile: "EACCES",
  createInAllowedDir: "EACCES",
  bindAllowed: "ok",
  bindDenied: "EACCES",
  connectAllowed: "ok",
  connectDenied: "EACCES",
  signalOutside: "EPERM",
} as const;

/** A child's start-up (esbuild, koffi) takes seconds when both cores are busy. */
export const CHILD_TIMEOUT_MS = 60_000;

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

/**
 * What confined children probe: a folder world-writable (uid 65534 may write, so each denial is Landlock's),
 * two listening ports, and per child a `sleep` outside its domain to signal. `stop()` removes all of it.
 */
export class ConfinementWorld {
  private readonly root = mkdtempSync(join(tmpdir(), "negotiate-landlock-"));
  private readonly servers: Server[] = [];
  private readonly outside: ChildProcess[] = [];
  private listeners: number[] = [];

  async start(): Promise<void> {
    chmodSync(this.root, 0o777);
    for (let index = 0; index < 2; index++) {
      const server = createServer((socket) => socket.destroy());
      this.servers.push(server);
      this.listeners.push(await listening(server));
    }
  }

  async stop(): Promise<void> {
    for (const child of this.outside) child.kill("SIGKILL");
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** A fresh allowed and denied folder for one child (`name` unique), and a process it may not signal. */
  async setup(name: string, unprivileged: boolean): Promise<Setup> {
    const base = join(this.root, name);
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
    const sleep = unprivileged ? [...UNPRIVILEGED, "sleep", "60"] : ["sleep", "60"];
    const sleeper = spawn(sleep[0]!, sleep.slice(1), { stdio: "ignore" });
    this.outside.push(sleeper);
    return {
      allowedDir,
      allowedFile,
      deniedFile,
      bindAllowed: await freePort(),
      bindDenied: await freePort(),
      connectAllowed: this.listeners[0]!,
      connectDenied: this.listeners[1]!,
      outsidePid: sleeper.pid!,
    };
  }
}

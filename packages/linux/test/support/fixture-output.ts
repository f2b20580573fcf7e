import { readdirSync } from "node:fs";
import { toJson } from "./bigint-json.js";

/** Prints `value` for `runFixture`. */
export function printJson(value: unknown): void {
  process.stdout.write(toJson(value));
}

/** The number of fds this process has open. */
export const openFdCount = (): number => readdirSync("/proc/self/fd").length;

import { readdirSync } from "node:fs";

/** Prints `value` as JSON for `runFixture`; bigints travel as `0x…n` strings. */
export function printJson(value: unknown): void {
  process.stdout.write(
    JSON.stringify(value, (_key, field) => (typeof field === "bigint" ? `0x${field.toString(16)}n` : field)),
  );
}

/** The number of fds this process has open. */
export const openFdCount = (): number => readdirSync("/proc/self/fd").length;

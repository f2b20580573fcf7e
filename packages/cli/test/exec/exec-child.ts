import { readFileSync } from "node:fs";

// Runs the negotiate program itself (its bin's entry) with the arguments the parent wrote on stdin.
const { argv } = JSON.parse(readFileSync(0, "utf8")) as { argv: string[] };
process.argv = [process.argv[0]!, "negotiate", ...argv];
await import("../../src/cli.js");

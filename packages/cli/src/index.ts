// The `negotiate` command as a function, for programs and tests that run it in-process.
export { EXIT, type ExitCode } from "./cli-error.js";
export { main } from "./main.js";
export type { CliIo, OutputStream } from "./output.js";

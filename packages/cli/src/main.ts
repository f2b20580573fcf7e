import { Command, CommanderError, Option } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { addBackendOptions, MOCK_KERNELS } from "./backend-options.js";
import { EXIT, type ExitCode } from "./cli-error.js";
import type { CliIo } from "./output.js";

const jsonOption = () => new Option("--json", "print one JSON object instead of text");

/** Builds the `negotiate` program; each action stores its exit code in `done`. Commands load lazily. */
function program(io: CliIo, done: (code: ExitCode) => void): Command {
  const root = new Command("negotiate")
    .description("Negotiate Linux userfaultfd features: with this kernel, or with a simulated one.")
    .version(packageJson.version, "-V, --version")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError("(add --help for usage)")
    .allowExcessArguments(false);

  addBackendOptions(
    root
      .command("probe")
      .description(
        "show this host's capabilities: every feature with its bit, whether it is supported, the kernel that added it, and which open modes work for this user",
      )
      .addOption(jsonOption()),
  ).action(async (flags) => {
    const { probeCommand } = await import("./probe-command.js");
    done(await probeCommand(flags, io));
  });

  addBackendOptions(
    root
      .command("run")
      .description(
        "negotiate a policy: what was enabled, which optional features are missing and why, the strategy and open mode used",
      )
      .requiredOption("--policy <file>", "the policy file (YAML or JSON)")
      .option("--explain", "describe every step of the negotiation")
      .addOption(jsonOption()),
  ).action(async (flags) => {
    const { runCommand } = await import("./run-command.js");
    done(await runCommand(flags, io));
  });

  root
    .command("check")
    .description("validate and lint policy files")
    .argument("<file...>", "policy files (YAML or JSON)")
    .option("--strict", "lint warnings fail the check too")
    .addOption(jsonOption())
    .action(async (files: string[], flags) => {
      const { checkCommand } = await import("./check-command.js");
      done(await checkCommand(files, flags, io));
    });

  root
    .command("matrix")
    .description(
      "negotiate a policy against simulated kernels and architectures: the outcome per kernel and the oldest kernel that satisfies it",
    )
    .requiredOption("--policy <file>", "the policy file (YAML or JSON)")
    .option("--kernels <list>", `comma-separated kernel releases (default: ${MOCK_KERNELS.join(",")})`)
    .option("--arch <list>", "comma-separated architectures (default: x86_64)")
    .option(
      "--distros",
      "run the distro kernels instead: which satisfy the policy, what each loses, the oldest of each",
    )
    .option("--root", "simulate root with CAP_SYS_PTRACE (default: uid≠0 without it)")
    .option(
      "--unprivileged",
      "simulate uid≠0 without CAP_SYS_PTRACE (the default; kept for old command lines)",
    )
    .option("--seccomp", "a seccomp filter denies userfaultfd(2), as Docker's default profile does")
    .addOption(jsonOption())
    .action(async (flags) => {
      const { matrixCommand } = await import("./matrix-command.js");
      done(await matrixCommand(flags, io));
    });

  root
    .command("capture")
    .description(
      "record this host's profile (kernel, privileges, supported features, open modes) for --profile",
    )
    .option("--out <file>", "write the profile to a file instead of stdout")
    .addOption(jsonOption())
    .action(async (flags) => {
      const { captureCommand } = await import("./capture-command.js");
      done(await captureCommand(flags, io));
    });

  return root;
}

// Commander's own exits: help and version are successes, every usage error is invalid input.
function commanderExit(error: CommanderError): ExitCode {
  return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code; never throws.
 * Anything unexpected is reported on one line of stderr and exits 70.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  try {
    await program(io, (result) => {
      code = result;
    }).parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    io.stderr.write(`negotiate: internal error: ${oneLine(error)}\n`);
    return EXIT.internal;
  }
}

/** An unexpected error as one line, never a stack. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0]!;
}

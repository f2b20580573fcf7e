import { Command, CommanderError, Option } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { addBackendOptions, MOCK_KERNELS } from "./backend-options.js";
import { type CliError, EXIT, type ExitCode } from "./cli-error.js";
import { helpAfter } from "./help-text.js";
import { writeJsonFailure } from "./json-output.js";
import type { CliIo } from "./output.js";
import { policyFileOf } from "./policy-argument.js";
import { escapingStream } from "./terminal-text.js";

const jsonOption = () => new Option("--json", "print one JSON object instead of text (errors too)");
const policyOption = () => new Option("--policy <file>", "the policy file, as the argument (an alias)");
const POLICY_ARGUMENT = ["[file]", "the policy file (YAML or JSON)"] as const;

const NEGOTIATION_EXITS = {
  ok: "the policy was negotiated",
  failed: "the negotiation failed: the kernel or the environment cannot satisfy the policy",
};

// The text of a failure is loaded with the first one (error-text.ts needs the core's policy code for policy
// issues): a command that succeeds, or --help, does not set it up.
const reportFailure = async (...args: Parameters<typeof import("./error-text.js").reportFailure>) =>
  (await import("./error-text.js")).reportFailure(...args);

/** Builds the `negotiate` program; each action stores its exit code in `done`. Commands load lazily. */
function program(io: CliIo, json: boolean, done: (code: ExitCode) => void): Command {
  // With --json, a usage error is reported as JSON by `main`, not as commander's text.
  const quiet = <F extends (...args: never[]) => void>(write: F): F =>
    json ? ((() => {}) as unknown as F) : write;
  const root = new Command("negotiate")
    .description("Negotiate Linux userfaultfd features: with this kernel, or with a simulated one.")
    .version(packageJson.version, "-V, --version")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: quiet((text) => io.stderr.write(text)),
      outputError: quiet((text: string, write: (text: string) => void) => write(text)),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError("(add --help for usage)")
    .allowExcessArguments(false)
    // `exec` passes every argument after its command's name on to the command.
    .enablePositionalOptions();
  // Each subcommand inherits the output settings; its usage errors point at its own --help. Its name and
  // description are set at once (the root's help and suggestions need them), the rest (options, help text,
  // action) when commander dispatches to it or shows a help: building every command's options costs start-up.
  const pending = new Map<Command, (command: Command) => unknown>();
  const command = (name: string, description: string, setUp: (command: Command) => unknown) => {
    const subcommand = root
      .command(name)
      .description(description)
      .showHelpAfterError(`(negotiate ${name} --help for usage)`);
    pending.set(subcommand, setUp);
  };
  const setUp = (subcommand: Command) => {
    pending.get(subcommand)?.(subcommand);
    pending.delete(subcommand);
  };
  root.hook("preSubcommand", (_, subcommand) => setUp(subcommand));
  // The root's help lists every command's options and arguments; `help <command>` shows it undispatched.
  root.on("beforeAllHelp", ({ command: shown }: { command: Command }) => {
    for (const subcommand of shown === root ? [...pending.keys()] : [shown]) setUp(subcommand);
  });
  // The action of a command that takes one policy file: as its argument, or with --policy.
  const withPolicyFile =
    <F extends { readonly policy?: string; readonly json?: boolean }>(
      command: (file: string, flags: F) => Promise<ExitCode>,
    ) =>
    async (file: string | undefined, flags: F) => {
      const policy = policyFileOf(file, flags);
      done(
        policy.isErr()
          ? await reportFailure(policy.error, io, flags.json)
          : await command(policy.value, flags),
      );
    };

  command(
    "probe",
    "show this host's capabilities: every feature with its bit, whether it is supported, the kernel that added it, and which open modes work for this user",
    (probe) =>
      addBackendOptions(probe.addOption(jsonOption()))
        .addHelpText(
          "after",
          helpAfter(
            [
              "negotiate probe",
              "negotiate probe --kernel 5.15 --unprivileged",
              "negotiate probe --json | jq .supported",
            ],
            {
              ok: "the kernel was probed",
              failed: "no open mode works for this caller (what could be learned is printed all the same)",
            },
          ),
        )
        .action(async (flags) => {
          const { probeCommand } = await import("./probe-command.js");
          done(await probeCommand(flags, io));
        }),
  );

  command(
    "run",
    "negotiate a policy: what was enabled, which optional features are missing and why, the strategy and open mode used",
    (run) =>
      addBackendOptions(
        run
          .argument(...POLICY_ARGUMENT)
          .addOption(policyOption())
          .option("--explain", "describe every step of the negotiation")
          .addOption(jsonOption()),
      )
        .addHelpText(
          "after",
          helpAfter(
            [
              "negotiate run policy.yaml",
              "negotiate run policy.yaml --kernel 5.15 --unprivileged    # a simulated kernel",
              "negotiate run policy.yaml --profile host.json             # replay a capture",
              "negotiate run policy.yaml --explain",
            ],
            NEGOTIATION_EXITS,
          ),
        )
        .action(
          withPolicyFile(async (policy, flags) => {
            const { runCommand } = await import("./run-command.js");
            return runCommand({ ...flags, policy }, io);
          }),
        ),
  );

  command("check", "validate and lint policy files", (check) =>
    check
      .argument("[file...]", "policy files (YAML or JSON)")
      .addOption(new Option("--policy <file>", "a policy file, as an argument (an alias)"))
      .option("--strict", "lint warnings fail the check too")
      .addOption(jsonOption())
      .addHelpText(
        "after",
        helpAfter(["negotiate check policy.yaml", "negotiate check policies/*.yaml --strict"], {
          ok: "every file is valid (with --strict: and has no warning)",
        }),
      )
      .action(async (files: string[], flags) => {
        const all = [...files, ...(flags.policy === undefined ? [] : [flags.policy])];
        if (all.length === 0) {
          const missing: CliError = {
            kind: "invalid-usage",
            code: "missing-policy",
            message: "missing the policy files: give them as arguments (negotiate check policy.yaml)",
          };
          return done(await reportFailure(missing, io, flags.json));
        }
        const { checkCommand } = await import("./check-command.js");
        done(await checkCommand(all, flags, io));
      }),
  );

  command(
    "matrix",
    "negotiate a policy against simulated kernels and architectures: the outcome per kernel and the oldest kernel that satisfies it",
    (matrix) =>
      matrix
        .argument(...POLICY_ARGUMENT)
        .addOption(policyOption())
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
        .option(
          "--landlock [rights]",
          "Landlock columns: the ABI, errata and which of these comma-separated rights each kernel has (default: all)",
        )
        .addOption(jsonOption())
        .addHelpText(
          "after",
          helpAfter(
            [
              "negotiate matrix policy.yaml",
              "negotiate matrix policy.yaml --distros --landlock READ_FILE,TRUNCATE,BIND_TCP,SIGNAL",
              "negotiate matrix policy.yaml --kernels 5.10,5.15,6.1.20,6.8 --arch x86_64,arm64",
            ],
            {
              ok: "on every architecture, some listed kernel satisfies the policy (as run's 0)",
              failed: "an architecture has no listed kernel that satisfies it (as run's 1)",
            },
          ),
        )
        .action(
          withPolicyFile(async (policy, flags) => {
            const { matrixCommand } = await import("./matrix-command.js");
            return matrixCommand({ ...flags, policy }, io);
          }),
        ),
  );

  command(
    "types",
    "print a TypeScript module that defines the policy of a file in code, so that sessions are typed from it",
    (types) =>
      types
        .argument(...POLICY_ARGUMENT)
        .addOption(policyOption())
        .addHelpText(
          "after",
          helpAfter(["negotiate types policy.yaml > policy.gen.ts"], { ok: "the module was printed" }),
        )
        .action(
          withPolicyFile(async (policy) => {
            const { typesCommand } = await import("./types-command.js");
            return typesCommand(policy, io);
          }),
        ),
  );

  command(
    "exec",
    "run a command confined by Landlock: negotiate the policy's landlock section with this kernel, add its rules, restrict, then exec the command, whose exit code is the exit code",
    (exec) =>
      exec
        .requiredOption("--policy <file>", "the policy file (YAML or JSON) with a landlock: section")
        .argument("<command...>", "the command and its arguments, after --")
        .option("--backend <name>", "linux only: a simulated kernel cannot confine a command")
        .option("--json", "write the per-right report as JSON on stderr (stdout stays the command's)")
        .option("--json-report <file>", "write the JSON report to a file instead")
        .option("--report-fd <n>", "write the JSON report to this open fd instead (2 or above)")
        .passThroughOptions()
        .addHelpText(
          "after",
          helpAfter(
            [
              "negotiate exec --policy sandbox.yaml -- sh -c 'cat /etc/hostname'",
              "negotiate exec --policy sandbox.yaml --json-report report.json -- node tool.js",
            ],
            {
              ok: "the command ran and exited 0 (any other code of the command passes through)",
              failed: "the command never ran: the negotiation or the confinement failed",
              more: [
                [EXIT.notRunnable, "the command cannot run inside the sandbox (EACCES, ENOEXEC…)"],
                [EXIT.notFound, "the command was not found"],
              ],
            },
          ),
        )
        .action(async (command: string[], flags) => {
          const [{ execCommand }, { EXEC_STEPS }] = await Promise.all([
            import("./exec-command.js"),
            import("./exec-steps.js"),
          ]);
          done(await execCommand(flags, command, io, EXEC_STEPS));
        }),
  );

  command(
    "capture",
    "record this host's profile (kernel, privileges, supported features, open modes) for --profile",
    (capture) =>
      capture
        .option("--out <file>", "write the profile to a file instead of stdout")
        .addOption(jsonOption())
        .addHelpText(
          "after",
          helpAfter(["negotiate capture --out host.json", "negotiate probe --profile host.json"], {
            ok: "the profile was written",
            failed: "this host cannot be captured (no userfaultfd, not Linux)",
          }),
        )
        .action(async (flags) => {
          const { captureCommand } = await import("./capture-command.js");
          done(await captureCommand(flags, io));
        }),
  );

  return root;
}

/** Whether `--json` was asked for (before a `--`, after which arguments are operands, never options). */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

// Commander's own exits: help and version are successes; every usage error is invalid input, with --json as
// `{"ok":false,"error":{"kind":"invalid-usage",…}}`.
function commanderExit(error: CommanderError, io: CliIo, json: boolean): ExitCode {
  if (error.exitCode === 0) return EXIT.ok;
  if (!json) return EXIT.invalidInput;
  const message = error.message.replace(/^error: /, "");
  return writeJsonFailure(io.stdout, { kind: "invalid-usage", code: error.code, message });
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code; never throws.
 * Anything unexpected is reported on one line of stderr (with `--json`, as a JSON error on stdout) and exits
 * 70. Every control character an output would carry is escaped (see `escapingStream`).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const json = wantsJson(argv);
  const safe: CliIo = { stdout: escapingStream(io.stdout), stderr: escapingStream(io.stderr), env: io.env };
  let code: ExitCode = EXIT.ok;
  try {
    await program(safe, json, (result) => {
      code = result;
    }).parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, safe, json);
    return reportInternal(error, safe, json);
  }
}

/** Reports an unexpected error (one line, never a stack) and returns 70; reporting itself never throws. */
export function reportInternal(error: unknown, io: CliIo, json: boolean): ExitCode {
  const message = oneLine(error);
  try {
    if (json) writeJsonFailure(io.stdout, { kind: "internal", message });
    else io.stderr.write(`negotiate: internal error: ${message}\n`);
  } catch {
    // The streams are gone too: the exit code is all that is left to tell.
  }
  return EXIT.internal;
}

/** An unexpected error as one line, never a stack. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split("\n")[0]!;
}

import type { SyscallFailure } from "@negotiate/core";
import type { LandlockPort, LandlockRule, RulesetAttr } from "@negotiate/core/landlock";
import type { Result } from "neverthrow";

/** The files both sides open before any script, named as the mock names their kinds. */
export const ENVIRONMENT_KINDS = [
  "directory",
  "file",
  "nsfs",
  "pipe",
  "o-path-directory",
  "o-path-file",
] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** A fd as a script names it: a ruleset the script created (by index), an environment file, or a bad number. */
export type FdRef =
  | { readonly ruleset: number }
  | { readonly file: EnvironmentKind }
  | { readonly number: "closed" | "minus-one" };

export type LandlockOp =
  | { readonly op: "version" }
  | { readonly op: "errata" }
  | { readonly op: "create"; readonly attr: RulesetAttr; readonly size: number }
  | {
      readonly op: "add-path";
      readonly ruleset: FdRef;
      readonly allowed: bigint;
      readonly parent: FdRef;
      readonly flags: bigint;
    }
  | {
      readonly op: "add-port";
      readonly ruleset: FdRef;
      readonly allowed: bigint;
      readonly port: bigint;
      readonly flags: bigint;
    }
  | { readonly op: "restrict"; readonly ruleset: FdRef; readonly flags: bigint }
  | { readonly op: "no-new-privs" }
  | { readonly op: "close"; readonly ruleset: number };

/** What one call answered: `ok` (a created fd is not compared), a value, or the errno. */
export type OpOutcome = string | number;

const CLOSED_FD = 1_000_000;

type Outcome<T> = Result<T, SyscallFailure>;
const answer = <T>(result: Outcome<T>, value: (ok: T) => OpOutcome = () => "ok"): OpOutcome =>
  result.isOk() ? value(result.value) : result.error.errno;

/** One call of a script: `fd` resolves its references, `rulesets` holds what it created. */
function runOp(
  port: LandlockPort,
  op: LandlockOp,
  fd: (ref: FdRef) => number,
  rulesets: (number | undefined)[],
) {
  switch (op.op) {
    case "version":
      return answer(port.abiVersion(), (abi) => abi);
    case "errata":
      return answer(port.errata(), (mask) => Number(mask));
    case "create": {
      const result = port.createRuleset(op.attr, op.size);
      if (result.isOk()) rulesets.push(result.value);
      return answer(result);
    }
    case "add-path": {
      const rule: LandlockRule = { type: "path-beneath", allowed: op.allowed, parentFd: fd(op.parent) };
      return answer(port.addRule(fd(op.ruleset), rule, op.flags));
    }
    case "add-port":
      return answer(
        port.addRule(fd(op.ruleset), { type: "net-port", allowed: op.allowed, port: op.port }, op.flags),
      );
    case "restrict":
      return answer(port.restrictSelf(fd(op.ruleset), op.flags));
    case "no-new-privs":
      return answer(port.setNoNewPrivs());
    case "close": {
      const open = rulesets[op.ruleset];
      // A closed ruleset's number may be reused by a later create: the script then names it as closed.
      rulesets[op.ruleset] = undefined;
      return open === undefined ? "EBADF" : answer(port.close(open));
    }
  }
}

/**
 * Runs the scripts in order on `port` (a process's state, layers and no_new_privs, carries over between
 * scripts as it does in the kernel) and closes every ruleset a script left open.
 */
export function runLandlockScripts(
  port: LandlockPort,
  environment: Readonly<Record<EnvironmentKind, number>>,
  scripts: readonly (readonly LandlockOp[])[],
): OpOutcome[][] {
  return scripts.map((script) => {
    const rulesets: (number | undefined)[] = [];
    const fd = (ref: FdRef): number => {
      if ("ruleset" in ref) return rulesets[ref.ruleset] ?? CLOSED_FD;
      if ("file" in ref) return environment[ref.file];
      return ref.number === "closed" ? CLOSED_FD : -1;
    };
    const outcomes = script.map((op) => runOp(port, op, fd, rulesets));
    for (const open of rulesets) if (open !== undefined) port.close(open);
    return outcomes;
  });
}

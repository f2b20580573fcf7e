import { landlockMasksAt, landlockMasksOf } from "@negotiate/core/landlock";
import { describe, expect, it } from "vitest";
import {
  LANDLOCK_MOCK_SCENARIOS,
  type LandlockMockOptions,
  type LandlockMockScenarioName,
  landlockMockBackend,
  landlockMockScenario,
} from "../../src/index.js";

const mask = (...names: string[]) => landlockMasksOf(names)._unsafeUnwrap();
const errno = (result: { isErr(): boolean; _unsafeUnwrapErr(): { errno: string } }) =>
  result.isErr() ? result._unsafeUnwrapErr().errno : "ok";
const READ_FILE = mask("READ_FILE").fs;
const CLOSED = 1_000;

// A port with one ruleset handling every fs and net right of its ABI.
function withRuleset(options: LandlockMockOptions) {
  const port = landlockMockBackend(options);
  const known = landlockMasksAt(port.abiVersion().unwrapOr(0));
  const ruleset = port
    .createRuleset({ handledAccessFs: known.fs, handledAccessNet: known.net })
    ._unsafeUnwrap();
  return { port, ruleset };
}

describe("mock Landlock kernels by release", () => {
  it("5.10 has no Landlock: every call ENOSYS", () => {
    const port = landlockMockBackend({ kernel: "5.10.226" });
    expect(errno(port.abiVersion())).toBe("ENOSYS");
    expect(errno(port.createRuleset({ handledAccessFs: READ_FILE }))).toBe("ENOSYS");
    expect(errno(port.restrictSelf(-1, 0n))).toBe("ENOSYS");
  });

  it("before 5.19 restrict checks flags before privileges and add_rule the type before the ruleset fd", () => {
    const old = landlockMockBackend({ kernel: "5.15.0" });
    const current = landlockMockBackend({ kernel: "6.8.0" });
    expect(errno(old.restrictSelf(CLOSED, 1n))).toBe("EINVAL");
    expect(errno(current.restrictSelf(CLOSED, 1n))).toBe("EPERM");
    const netRule = { type: "net-port", allowed: 1n, port: 80n } as const;
    expect(errno(old.addRule(CLOSED, netRule))).toBe("EINVAL");
    expect(errno(landlockMockBackend({ kernel: "6.2.0" }).addRule(CLOSED, netRule))).toBe("EBADF");
  });

  it("stacks 64 layers before 5.19 and 16 from 5.19", () => {
    for (const [kernel, limit] of [
      ["5.18.19", 64],
      ["5.19.0", 16],
    ] as const) {
      const { port, ruleset } = withRuleset({ kernel, capSysAdmin: true });
      for (let layer = 0; layer < limit; layer++) expect(port.restrictSelf(ruleset, 0n).isOk()).toBe(true);
      expect(errno(port.restrictSelf(ruleset, 0n))).toBe("E2BIG");
      expect(port.restriction().layers).toBe(limit);
    }
  });

  it("answers the ERRATA query from 6.15 (7 on 6.18), EINVAL before unless backported", () => {
    expect(errno(landlockMockBackend({ kernel: "6.12.40" }).errata())).toBe("EINVAL");
    expect(landlockMockBackend({ kernel: "6.15.0" }).errata()._unsafeUnwrap()).toBe(3n);
    expect(landlockMockBackend({ kernel: "6.18.44" }).errata()._unsafeUnwrap()).toBe(7n);
    expect(landlockMockBackend({ kernel: "6.12.40", errata: 3n }).errata()._unsafeUnwrap()).toBe(3n);
  });

  it("knows no restrict flag before 6.15, 0x7 from 6.15 (fd -1 with LOG_SUBDOMAINS_OFF), TSYNC from 7.0", () => {
    const flags = mask("LOG_SAME_EXEC_OFF", "LOG_SUBDOMAINS_OFF", "TSYNC").restrict;
    const subdomainsOff = mask("LOG_SUBDOMAINS_OFF").restrict;
    const tsync = mask("TSYNC").restrict;
    const before = withRuleset({ kernel: "6.14.0", capSysAdmin: true });
    expect(errno(before.port.restrictSelf(before.ruleset, 1n))).toBe("EINVAL");
    expect(errno(before.port.restrictSelf(-1, subdomainsOff))).toBe("EINVAL");
    const logging = withRuleset({ kernel: "6.15.0", capSysAdmin: true });
    expect(logging.port.restrictSelf(-1, subdomainsOff).isOk()).toBe(true);
    expect(logging.port.restriction().layers).toBe(0);
    expect(errno(logging.port.restrictSelf(-1, 1n))).toBe("EBADF");
    expect(errno(logging.port.restrictSelf(logging.ruleset, tsync))).toBe("EINVAL");
    const tsyncKernel = withRuleset({ kernel: "7.0.0", capSysAdmin: true, threads: 5 });
    expect(tsyncKernel.port.restrictSelf(tsyncKernel.ruleset, 0n).isOk()).toBe(true);
    expect(tsyncKernel.port.restriction().unconfinedThreads).toBe(4);
    expect(tsyncKernel.port.restrictSelf(tsyncKernel.ruleset, flags).isOk()).toBe(true);
    expect(tsyncKernel.port.restriction()).toEqual({ layers: 2, unconfinedThreads: 0, noNewPrivs: false });
  });

  it("reads only the struct its release knows: a later field non-zero is E2BIG, zero is ignored", () => {
    const net = { handledAccessFs: READ_FILE, handledAccessNet: 1n };
    const scope = { handledAccessFs: READ_FILE, scoped: 2n };
    expect(errno(landlockMockBackend({ kernel: "6.6.50" }).createRuleset(net))).toBe("E2BIG");
    expect(errno(landlockMockBackend({ kernel: "6.6.50" }).createRuleset(net, 8))).toBe("ok");
    expect(errno(landlockMockBackend({ kernel: "6.8.0" }).createRuleset(scope))).toBe("E2BIG");
    expect(errno(landlockMockBackend({ kernel: "6.12.0" }).createRuleset({ scoped: 2n }))).toBe("ok");
    expect(errno(landlockMockBackend({ kernel: "6.12.0" }).createRuleset({}))).toBe("ENOMSG");
    expect(
      errno(landlockMockBackend({ kernel: "6.18.0" }).createRuleset({ ...scope, quietAccessFs: 1n })),
    ).toBe("E2BIG");
    expect(
      errno(landlockMockBackend({ kernel: "7.2.0" }).createRuleset({ ...scope, quietAccessFs: READ_FILE })),
    ).toBe("ok");
  });

  it("copies the struct in the architecture's byte order and checks sizes against its page size", () => {
    // Size 12 copies fs and four bytes of net: its low half on little-endian x86_64, its high half on s390x.
    const attr = { handledAccessFs: READ_FILE, handledAccessNet: 1n << 32n };
    expect(errno(landlockMockBackend({ kernel: "6.18.0" }).createRuleset(attr, 12))).toBe("ok");
    expect(errno(landlockMockBackend({ kernel: "6.18.0", arch: "s390x" }).createRuleset(attr, 12))).toBe(
      "EINVAL",
    );
    expect(
      errno(landlockMockBackend({ kernel: "6.18.0" }).createRuleset({ handledAccessFs: READ_FILE }, 8192)),
    ).toBe("E2BIG");
    const ppc = landlockMockBackend({ kernel: "6.18.0", arch: "ppc64le" });
    expect(errno(ppc.createRuleset({ handledAccessFs: READ_FILE }, 8192))).toBe("ok");
  });

  it("restricts only with no_new_privs or CAP_SYS_ADMIN", () => {
    const { port, ruleset } = withRuleset({ kernel: "6.18.0" });
    expect(errno(port.restrictSelf(ruleset, 0n))).toBe("EPERM");
    expect(port.setNoNewPrivs().isOk()).toBe(true);
    expect(port.restrictSelf(ruleset, 0n).isOk()).toBe(true);
    const preset = withRuleset({ kernel: "6.18.0", noNewPrivs: true });
    expect(preset.port.restrictSelf(preset.ruleset, 0n).isOk()).toBe(true);
  });

  it("runs out of fds at its limit with EMFILE, and closing makes room again", () => {
    const port = landlockMockBackend({ kernel: "6.18.0", fdLimit: 2 });
    const first = port.createRuleset({ handledAccessFs: READ_FILE })._unsafeUnwrap();
    port.openFile("directory")._unsafeUnwrap();
    expect(errno(port.createRuleset({ handledAccessFs: READ_FILE }))).toBe("EMFILE");
    port.close(first);
    expect(port.createRuleset({ handledAccessFs: READ_FILE }).isOk()).toBe(true);
  });
});

describe("mock Landlock scenarios (reference §7)", () => {
  const outcomes: Record<LandlockMockScenarioName, number | string> = {
    "ubuntu-22.04": 1,
    "ubuntu-22.04-hwe": 4,
    "ubuntu-24.04": 4,
    "ubuntu-24.04-hwe": 7,
    "debian-12": 2,
    "debian-13": 6,
    "rhel-9.6": 5,
    "rhel-9.7": 6,
    gvisor: "ENOSYS",
    "docker-old-eperm": "EPERM",
    "docker-old-enosys": "ENOSYS",
    "lsm-without-landlock": "EOPNOTSUPP",
    "this-host-root": 7,
    "this-host-unprivileged": 7,
    "wsl2-6.6": 3,
    "wsl2-6.18": 7,
    "android-gki": "ENOSYS",
    "fedora-42": 6,
    "stable-errata-backport": 6,
    "stable-5.15-layers-backport": 1,
  };

  it.each(Object.keys(LANDLOCK_MOCK_SCENARIOS) as LandlockMockScenarioName[])(
    "%s reports its ABI or errno",
    (name) => {
      const version = landlockMockScenario(name).abiVersion();
      expect(version.isOk() ? version.value : version.error.errno).toBe(outcomes[name]);
    },
  );

  it("RHEL 9.7 says ABI 6 but refuses the ABSTRACT_UNIX_SOCKET scope with EINVAL; SIGNAL works", () => {
    const port = landlockMockScenario("rhel-9.7");
    expect(errno(port.createRuleset({ scoped: mask("ABSTRACT_UNIX_SOCKET").scope }))).toBe("EINVAL");
    expect(errno(port.createRuleset({ scoped: mask("SIGNAL").scope }))).toBe("ok");
    expect(errno(landlockMockScenario("debian-13").createRuleset({ scoped: 1n }))).toBe("ok");
  });
});

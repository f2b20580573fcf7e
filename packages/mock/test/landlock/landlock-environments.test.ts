import type { HostProfile } from "@negotiate/core";
import {
  captureLandlock,
  landlockMasksAt,
  landlockMasksOf,
  landlockRightNames,
} from "@negotiate/core/landlock";
import { describe, expect, it } from "vitest";
import {
  createLandlockMockBackend,
  LANDLOCK_ARCHES,
  LANDLOCK_MOCK_ARCHES,
  LANDLOCK_MOCK_SCENARIOS,
  type LandlockMockOptions,
  type LandlockMockScenarioName,
  landlockMockBackend,
  landlockMockFromCapture,
  landlockMockScenario,
  validateLandlockMockOptions,
} from "../../src/index.js";

const mask = (...names: string[]) => landlockMasksOf(names)._unsafeUnwrap();
const errno = (result: { isErr(): boolean; _unsafeUnwrapErr(): { errno: string } }) =>
  result.isErr() ? result._unsafeUnwrapErr().errno : "ok";

// Reference §7 and §4: what each environment answers to VERSION and ERRATA, and which rights create accepts.
const ENVIRONMENTS: readonly (readonly [LandlockMockScenarioName, number | string, bigint | string])[] = [
  ["ubuntu-22.04", 1, "EINVAL"],
  ["ubuntu-22.04-hwe", 4, "EINVAL"],
  ["ubuntu-24.04", 4, "EINVAL"],
  ["ubuntu-24.04-hwe", 7, 3n],
  ["debian-12", 2, "EINVAL"],
  ["debian-13", 6, "EINVAL"],
  ["rhel-9.6", 5, "EINVAL"],
  ["rhel-9.7", 6, "EINVAL"],
  ["wsl2-6.6", 3, "EINVAL"],
  ["wsl2-6.18", 7, 7n],
  ["gvisor", "ENOSYS", "ENOSYS"],
  ["android-gki", "ENOSYS", "ENOSYS"],
  ["docker-old-eperm", "EPERM", "EPERM"],
  ["docker-old-enosys", "ENOSYS", "ENOSYS"],
  ["lsm-without-landlock", "EOPNOTSUPP", "EOPNOTSUPP"],
  ["fedora-42", 6, "EINVAL"],
  ["stable-errata-backport", 6, 3n],
  ["this-host-root", 7, 7n],
  ["this-host-unprivileged", 7, 7n],
];

// Every right of the catalogue that a ruleset handling it alone gets (create_ruleset succeeds).
function acceptedRights(name: LandlockMockScenarioName): string[] {
  const port = landlockMockScenario(name);
  const all = landlockMasksAt(10);
  return landlockRightNames({ ...all, restrict: 0n, rule: 0n }).filter((right) => {
    const bits = mask(right);
    const created = port.createRuleset({
      handledAccessFs: bits.fs,
      handledAccessNet: bits.net,
      scoped: bits.scope,
    });
    if (created.isOk()) port.close(created.value);
    return created.isOk();
  });
}

describe("mock Landlock environments (reference §7)", () => {
  it("covers every scenario, each with a source", () => {
    expect(ENVIRONMENTS.map(([name]) => name).sort()).toEqual(
      Object.keys(LANDLOCK_MOCK_SCENARIOS)
        .filter((name) => name !== "stable-5.15-layers-backport")
        .sort(),
    );
    for (const scenario of Object.values(LANDLOCK_MOCK_SCENARIOS))
      expect(scenario.source).toMatch(/landlock reference §\d/);
  });

  it.each(ENVIRONMENTS)("%s: VERSION %s, ERRATA %s", (name, abi, errata) => {
    const port = landlockMockScenario(name);
    const version = port.abiVersion();
    expect(version.isOk() ? version.value : version.error.errno).toBe(abi);
    const mask = port.errata();
    expect(mask.isOk() ? mask.value : mask.error.errno).toBe(errata);
    expect(port.info.simulating).toContain(typeof abi === "number" ? `ABI ${abi}` : `every call ${abi}`);
  });

  it("accepts exactly the rights of each ABI, less what RHEL 9.7 breaks", () => {
    const rightsOf = (abi: number) => landlockRightNames({ ...landlockMasksAt(abi), restrict: 0n, rule: 0n });
    expect(acceptedRights("ubuntu-22.04")).toEqual(rightsOf(1));
    expect(acceptedRights("ubuntu-22.04")).not.toContain("REFER");
    expect(acceptedRights("debian-12")).toContain("REFER");
    expect(acceptedRights("wsl2-6.6")).toEqual(rightsOf(3));
    expect(acceptedRights("ubuntu-24.04")).toEqual(rightsOf(4));
    expect(acceptedRights("rhel-9.6")).toEqual(rightsOf(5));
    expect(acceptedRights("rhel-9.7")).toEqual(
      rightsOf(6).filter((right) => right !== "ABSTRACT_UNIX_SOCKET"),
    );
    expect(acceptedRights("debian-13")).toEqual(rightsOf(6));
    expect(acceptedRights("gvisor")).toEqual([]);
  });

  it("RHEL 9.6/9.7 behave as the mainline release of their ABI: 16 layers, 5.19+ check order", () => {
    const port = landlockMockScenario("rhel-9.7", { capSysAdmin: true });
    const ruleset = port.createRuleset({ handledAccessFs: mask("READ_FILE").fs })._unsafeUnwrap();
    for (let layer = 0; layer < 16; layer++) expect(port.restrictSelf(ruleset, 0n).isOk()).toBe(true);
    expect(errno(port.restrictSelf(ruleset, 0n))).toBe("E2BIG");
    // 5.14.0 as mainline would check flags before privileges: the vendor kernel does not.
    expect(errno(landlockMockScenario("rhel-9.6").restrictSelf(1000, 1n))).toBe("EPERM");
  });

  it("models the stable backport of the 16-layer limit on 5.15 (mainline 5.15: 64)", () => {
    for (const [name, limit] of [
      ["stable-5.15-layers-backport", 16],
      ["ubuntu-22.04", 64],
    ] as const) {
      const port = landlockMockScenario(name, { capSysAdmin: true });
      const ruleset = port.createRuleset({ handledAccessFs: mask("READ_FILE").fs })._unsafeUnwrap();
      let layers = 0;
      while (port.restrictSelf(ruleset, 0n).isOk()) layers++;
      expect(layers).toBe(limit);
    }
  });

  it("restricts with CAP_SYS_ADMIN or no_new_privs, else EPERM, whatever the distro", () => {
    for (const name of ["ubuntu-22.04", "debian-12", "rhel-9.7", "this-host-unprivileged"] as const) {
      const port = landlockMockScenario(name);
      const ruleset = port.createRuleset({ handledAccessFs: mask("READ_FILE").fs })._unsafeUnwrap();
      expect(errno(port.restrictSelf(ruleset, 0n))).toBe("EPERM");
      port.setNoNewPrivs();
      expect(errno(port.restrictSelf(ruleset, 0n))).toBe("ok");
      const root = landlockMockScenario(name, { capSysAdmin: true });
      const rootRuleset = root.createRuleset({ handledAccessFs: mask("READ_FILE").fs })._unsafeUnwrap();
      expect(errno(root.restrictSelf(rootRuleset, 0n))).toBe("ok");
    }
  });
});

describe("mock Landlock by architecture (reference §1)", () => {
  it.each([
    ["x86_64", 444],
    ["arm64", 444],
    ["riscv64", 444],
    ["s390x", 444],
    ["alpha", 554],
    ["mips-o32", 4444],
    ["mips-n64", 5444],
    ["mips-n32", 6444],
    ["x32", 0x4000_0000 + 444],
  ] as const)("%s calls create_ruleset %i, add_rule and restrict_self after it", (arch, first) => {
    const { syscalls } = landlockMockBackend({ kernel: "6.18.0", arch }).info;
    expect(syscalls).toEqual({ createRuleset: first, addRule: first + 1, restrictSelf: first + 2 });
  });

  it("knows every architecture of the userfaultfd mock and the Landlock-only ones", () => {
    expect(LANDLOCK_MOCK_ARCHES).toEqual(expect.arrayContaining(["x86_64", "alpha", "mips-n32", "x32"]));
    expect(new Set(LANDLOCK_MOCK_ARCHES).size).toBe(Object.keys(LANDLOCK_ARCHES).length);
  });

  it("refuses a size above the architecture's page size (alpha 8 KiB, loongarch64 16 KiB)", () => {
    const attr = { handledAccessFs: mask("READ_FILE").fs };
    const at = (arch: NonNullable<LandlockMockOptions["arch"]>, size: number) =>
      errno(landlockMockBackend({ kernel: "6.18.0", arch }).createRuleset(attr, size));
    expect([at("x86_64", 8192), at("alpha", 8192), at("alpha", 8193)]).toEqual(["E2BIG", "ok", "E2BIG"]);
    expect([at("loongarch64", 16_384), at("loongarch64", 16_385)]).toEqual(["ok", "E2BIG"]);
  });
});

describe("createLandlockMockBackend (untrusted input)", () => {
  it.each([
    [{}, "kernel", undefined],
    [{ kernel: 6.8 }, "kernel", 6.8],
    [{ kernel: "six" }, "kernel", "six"],
    [{ kernel: "9.0" }, "kernel", "9.0"],
    [{ kernel: "6.8", arch: "sparc" }, "arch", "sparc"],
    [{ kernel: "6.8", build: "maybe" }, "build", "maybe"],
    [{ kernel: "6.8", filter: "EWHAT" }, "filter", "EWHAT"],
    [{ kernel: "6.8", capSysAdmin: 1 }, "capSysAdmin", 1],
    [{ kernel: "6.8", noNewPrivs: "yes" }, "noNewPrivs", "yes"],
    [{ kernel: "6.8", threads: 0 }, "threads", 0],
    [{ kernel: "6.8", threads: 1.5 }, "threads", 1.5],
    [{ kernel: "6.8", errata: 3 }, "errata", 3],
    [{ kernel: "6.8", errata: -1n }, "errata", -1n],
    [{ kernel: "6.8", errata: 1n << 40n }, "errata", 1n << 40n],
    [{ kernel: "6.8", fdLimit: -1 }, "fdLimit", -1],
    [{ kernel: "6.8", quirks: { abi: 11 } }, "quirks.abi", 11],
    [{ kernel: "6.8", quirks: { abi: "6" } }, "quirks.abi", "6"],
    [{ kernel: "6.8", quirks: { layerLimit: 65 } }, "quirks.layerLimit", 65],
    [{ kernel: "6.8", quirks: { rejectedScope: 1n } }, "quirks.rejectedScope", 1n],
    [{ kernel: "6.8", quirks: [] }, "quirks", []],
    [{ kernel: "6.8", kernal: "6.9" }, "kernal", "6.9"],
    [{ kernel: "6.8", paths: { "/etc": "socket" } }, 'paths["/etc"]', "socket"],
    [{ kernel: "6.8", paths: { etc: "directory" } }, 'paths["etc"]', "etc"],
    [{ kernel: "6.8", paths: [] }, "paths", []],
  ])("refuses %o naming the field, the value and what is valid", (input, field, value) => {
    const error = createLandlockMockBackend(input)._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "invalid-option", field, value });
    expect(error.message).toContain(field);
    expect(error.message).toContain("expected");
  });

  it("refuses what the kernel makes impossible, saying why", () => {
    expect(createLandlockMockBackend({ kernel: "5.10.0", build: "built" })._unsafeUnwrapErr()).toMatchObject({
      kind: "conflicting-options",
      field: "build",
      reason: expect.stringContaining("5.13"),
    });
    expect(
      createLandlockMockBackend({ kernel: "6.8.0", quirks: { rejectedScopes: 1n } })._unsafeUnwrapErr(),
    ).toMatchObject({ kind: "conflicting-options", field: "quirks.rejectedScopes" });
    // A vendor backport is fine on an old release.
    expect(createLandlockMockBackend({ kernel: "5.14.0-570.el9", quirks: { abi: 5 } }).isOk()).toBe(true);
  });

  it("never throws, whatever the input: Proxies and throwing getters are errors", () => {
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("boom");
        },
      },
    );
    const getter = Object.defineProperty({ kernel: "6.8" }, "arch", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    for (const input of [null, undefined, 42, "6.8", [], trap, getter, { kernel: "6.8", quirks: trap }]) {
      expect(() => createLandlockMockBackend(input)).not.toThrow();
      expect(createLandlockMockBackend(input).isErr()).toBe(true);
    }
    expect(() => landlockMockBackend({ kernel: "six" } as unknown as LandlockMockOptions)).toThrow(TypeError);
  });

  it("reads a changing getter once: the options checked are the options used", () => {
    let reads = 0;
    const shifty = Object.defineProperty({ kernel: "6.8.0" }, "arch", {
      enumerable: true,
      get: () => (reads++ === 0 ? "x86_64" : "sparc"),
    });
    const options = validateLandlockMockOptions(shifty)._unsafeUnwrap();
    expect(options.arch).toBe("x86_64");
    expect(reads).toBe(1);
  });

  it("builds the same kernel as landlockMockBackend from valid input", () => {
    const input = { kernel: "6.12.38-amd64", arch: "s390x", capSysAdmin: true, errata: 3n } as const;
    const checked = createLandlockMockBackend(input)._unsafeUnwrap();
    const typed = landlockMockBackend(input);
    expect(checked.info).toEqual(typed.info);
    expect(checked.errata()._unsafeUnwrap()).toBe(3n);
  });
});

describe("landlockMockFromCapture", () => {
  const base: HostProfile = {
    format: "negotiate-host-profile",
    version: 1,
    capturedAt: "2026-01-01T00:00:00.000Z",
    kernel: { release: "5.14.0-611.el9.x86_64", arch: "x86_64" },
    privileges: { uid: 1000, capSysPtrace: false },
    api: { supported: 0n, ioctls: 0n },
    openModes: { syscall: "ok", device: "ok", "user-mode-only": "ok" },
    eventFork: "ok",
  };

  it("refuses a version 1 profile, which has no Landlock, saying so", () => {
    expect(landlockMockFromCapture(base)._unsafeUnwrapErr()).toMatchObject({
      kind: "no-landlock-capture",
      message: expect.stringContaining("version 1"),
    });
  });

  it("answers as the captured host: its ABI, errata, rejected rights, refusal", () => {
    const rhel = landlockMockFromCapture({
      ...base,
      version: 2,
      landlock: {
        version: { value: 6 },
        errata: { errno: "EINVAL" },
        rights: { READ_FILE: "ok", SIGNAL: "ok", ABSTRACT_UNIX_SOCKET: { errno: "EINVAL" } },
        restrictFlags: { LOG_SAME_EXEC_OFF: { errno: "EINVAL" } },
        capSysAdmin: false,
        noNewPrivs: false,
      },
    })._unsafeUnwrap();
    expect(rhel.abiVersion()._unsafeUnwrap()).toBe(6);
    expect(errno(rhel.errata())).toBe("EINVAL");
    expect(errno(rhel.createRuleset({ scoped: mask("SIGNAL").scope }))).toBe("ok");
    expect(errno(rhel.createRuleset({ scoped: mask("ABSTRACT_UNIX_SOCKET").scope }))).toBe("EINVAL");
    expect(errno(rhel.createRuleset({ handledAccessFs: mask("WRITE_FILE").fs }))).toBe("EINVAL");
    expect(rhel.info.simulating).toContain("replayed capture, uid 1000");
    const filtered = landlockMockFromCapture({
      ...base,
      version: 2,
      landlock: {
        version: { errno: "EPERM" },
        errata: { errno: "EPERM" },
        rights: {},
        restrictFlags: {},
        capSysAdmin: false,
        noNewPrivs: false,
      },
    })._unsafeUnwrap();
    expect([errno(filtered.abiVersion()), errno(filtered.restrictSelf(-1, 0n))]).toEqual(["EPERM", "EPERM"]);
  });
});

describe("distro kernels recognised by release (LANDLOCK_DISTRO_FACTS)", () => {
  it.each([
    ["5.14.0-427.13.1.el9_4.x86_64", 1],
    ["5.14.0-570.12.1.el9_6.x86_64", 5],
    ["5.14.0-611.5.1.el9_7.x86_64", 6],
    ["6.12.0-124.8.1.el10_1.x86_64", 6],
    ["6.6.30-android15-8-00001-g1a2b3c4d5e6f", "ENOSYS"],
    ["6.8.0-88-generic", 4],
  ] as const)("%s: %s", (kernel, abi) => {
    const version = landlockMockBackend({ kernel }).abiVersion();
    expect(version.isOk() ? version.value : version.error.errno).toBe(abi);
  });

  it("RHEL 9.7 by release refuses ABSTRACT_UNIX_SOCKET; given quirks replace the distro's", () => {
    const rhel = landlockMockBackend({ kernel: "5.14.0-611.5.1.el9_7.x86_64" });
    expect(errno(rhel.createRuleset({ scoped: mask("ABSTRACT_UNIX_SOCKET").scope }))).toBe("EINVAL");
    expect(rhel.info.simulating).toContain("(x86_64, rhel-9)");
    const fixed = landlockMockBackend({ kernel: "5.14.0-611.5.1.el9_7.x86_64", quirks: { abi: 6 } });
    expect(errno(fixed.createRuleset({ scoped: mask("ABSTRACT_UNIX_SOCKET").scope }))).toBe("ok");
    const built = landlockMockBackend({ kernel: "6.6.30-android15-8-00001-g1a2b3c4d5e6f", build: "built" });
    expect(built.abiVersion()._unsafeUnwrap()).toBe(3);
  });
});

describe("captureLandlock on the mock", () => {
  it("leaves no fd open and restricts nothing, on success and when fds run out", () => {
    const port = landlockMockBackend({ kernel: "6.18.0", capSysAdmin: true });
    const captured = captureLandlock({ port, capSysAdmin: true, noNewPrivs: false })._unsafeUnwrap();
    expect(port.openFds()).toEqual([]);
    expect(port.restriction().layers).toBe(0);
    expect(captured.rights).toMatchObject({ READ_FILE: "ok", RESOLVE_UNIX: { errno: "EINVAL" } });
    expect(captured.restrictFlags).toEqual({
      LOG_SAME_EXEC_OFF: { errno: "EBADF" },
      LOG_NEW_EXEC_ON: { errno: "EBADF" },
      LOG_SUBDOMAINS_OFF: { errno: "EBADF" },
      TSYNC: { errno: "EINVAL" },
    });
    const starved = landlockMockBackend({ kernel: "6.18.0", fdLimit: 0 });
    expect(
      captureLandlock({ port: starved, capSysAdmin: false, noNewPrivs: false })._unsafeUnwrapErr(),
    ).toMatchObject({
      kind: "resource-exhausted",
      errno: "EMFILE",
    });
    expect(starved.openFds()).toEqual([]);
  });

  it("records EPERM for every restrict flag when the caller may not restrict", () => {
    const port = landlockMockBackend({ kernel: "6.18.0" });
    const captured = captureLandlock({ port, capSysAdmin: false, noNewPrivs: false })._unsafeUnwrap();
    expect(Object.values(captured.restrictFlags)).toEqual(Array(4).fill({ errno: "EPERM" }));
  });
});

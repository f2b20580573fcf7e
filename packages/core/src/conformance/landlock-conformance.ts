// Through the package's entry (see backend-conformance.ts).
import {
  type LandlockPort,
  landlockAbi,
  landlockMasksAt,
  landlockMasksOf,
  RULESET_ATTR_SIZE,
  type RulesetAttr,
} from "@negotiate/core/landlock";
import { describe, expect, it } from "vitest";

/** A file the suite needs open, to use as a rule's parent or as a fd that is no ruleset. */
export type ConformanceFileKind = "directory" | "file" | "nsfs";

/** What the kernel behind a Landlock port does and lets this caller do. */
export interface LandlockConformanceAbilities {
  /** The ABI version the kernel reports (at least 1: the suite needs Landlock). */
  readonly abi: number;
  /** The ERRATA answer; `undefined` when the query is refused with EINVAL (ABI < 7 without the backport). */
  readonly errata?: bigint;
  /** The caller holds CAP_SYS_ADMIN or no_new_privs, so restrict_self gets past its privilege check. */
  readonly privileged: boolean;
  /** restrict_self checks its flags before the caller's privileges (5.13–5.18). Default `false`. */
  readonly flagsBeforePrivilege?: boolean;
  /** The page size, above which sizes give E2BIG. Default 4096. */
  readonly pageSize?: number;
  /**
   * The suite may restrict the process behind the port: `true` only for a simulator. A real kernel's process
   * would stay confined for good, so those checks run in child processes instead. Default `false`.
   */
  readonly restricts?: boolean;
}

/** A Landlock port under test: a factory, a way to open the files it needs, and what its kernel does. */
export interface LandlockConformanceTarget {
  /** Shown in the suite's name. */
  readonly name: string;
  /** A fresh port; called once per test. */
  readonly create: () => LandlockPort;
  /** Opens a file of `kind` that `port.close` closes. */
  readonly openFile: (port: LandlockPort, kind: ConformanceFileKind) => number;
  /** The fds open now (for the leak check); omitted, the check is skipped. */
  readonly openFdCount?: (port: LandlockPort) => number;
  /**
   * An existing directory and regular file for `openPath`, and a path that does not exist. Default `/tmp`,
   * `/etc/hostname` and `/nonexistent-negotiate-conformance` (the mock's default filesystem has the first two).
   */
  readonly paths?: { readonly directory: string; readonly file: string; readonly missing: string };
  readonly can: LandlockConformanceAbilities;
}

const DEFAULT_PATHS = {
  directory: "/tmp",
  file: "/etc/hostname",
  missing: "/nonexistent-negotiate-conformance",
} as const;

const names = (...list: string[]) => landlockMasksOf(list)._unsafeUnwrap();
const READ_FILE = names("READ_FILE").fs;
const READ_DIR = names("READ_DIR").fs;
const BIND_TCP = names("BIND_TCP").net;
const LOG_SUBDOMAINS_OFF = names("LOG_SUBDOMAINS_OFF").restrict;
const FLAG_31 = 1n << 31n;
const CLOSED_FD = 1_000_000;

/**
 * The Landlock port contract of the reference (§1–§3), run against any port: the simulator at any kernel,
 * the real kernel through koffi. Call it inside a vitest test file. Never restricts a real process.
 */
export function landlockConformance(target: LandlockConformanceTarget): void {
  const { abi, privileged } = target.can;
  const pageSize = target.can.pageSize ?? 4096;
  const known = landlockMasksAt(abi);
  const kernelSize = landlockAbi(abi)?.rulesetAttrSize ?? 8;
  const fullAttr: RulesetAttr = {
    handledAccessFs: known.fs,
    handledAccessNet: known.net,
    scoped: known.scope,
  };

  // Runs `body` with a fresh port and a ruleset handling everything the ABI knows; the fd is closed afterwards.
  function withRuleset(body: (port: LandlockPort, fd: number) => void): void {
    const port = target.create();
    const fd = port.createRuleset(fullAttr)._unsafeUnwrap();
    try {
      body(port, fd);
    } finally {
      port.close(fd);
    }
  }

  function withFile(port: LandlockPort, kind: ConformanceFileKind, body: (fd: number) => void): void {
    const fd = target.openFile(port, kind);
    try {
      body(fd);
    } finally {
      port.close(fd);
    }
  }

  const errno = (result: { isErr(): boolean; _unsafeUnwrapErr(): { errno: string } }) =>
    result.isErr() ? result._unsafeUnwrapErr().errno : "ok";

  describe(`landlock conformance: ${target.name}`, () => {
    it("reports the ABI version and the errata (or EINVAL for the query before ABI 7)", () => {
      const port = target.create();
      expect(port.abiVersion()._unsafeUnwrap()).toBe(abi);
      const errata = port.errata();
      if (target.can.errata === undefined) expect(errno(errata)).toBe("EINVAL");
      else expect(errata._unsafeUnwrap()).toBe(target.can.errata);
    });

    it("creates a ruleset handling every right of its ABI from the full struct, closes it once, then EBADF", () => {
      const port = target.create();
      const fd = port.createRuleset(fullAttr)._unsafeUnwrap();
      expect(Number.isInteger(fd) && fd >= 0).toBe(true);
      expect(port.close(fd).isOk()).toBe(true);
      expect(errno(port.close(fd))).toBe("EBADF");
    });

    it("answers ENOMSG for a ruleset handling nothing", () => {
      expect(errno(target.create().createRuleset({}))).toBe("ENOMSG");
    });

    it("answers EINVAL for the first fs bit past the ABI, in a field the kernel knows", () => {
      const next = known.fs + 1n;
      expect(errno(target.create().createRuleset({ handledAccessFs: next }))).toBe("EINVAL");
    });

    it("answers E2BIG for a non-zero field past the kernel's struct, EINVAL for an unknown bit inside it", () => {
      const port = target.create();
      const net = port.createRuleset({ handledAccessFs: READ_FILE, handledAccessNet: 1n << 40n });
      expect(errno(net)).toBe(kernelSize > 8 ? "EINVAL" : "E2BIG");
      const quiet = port.createRuleset({ handledAccessFs: READ_FILE, quietAccessFs: READ_FILE });
      if (kernelSize < RULESET_ATTR_SIZE) expect(errno(quiet)).toBe("E2BIG");
      else port.close(quiet._unsafeUnwrap());
    });

    it("checks the size: < 8 EINVAL, above the page E2BIG, 8 reads only the fs field", () => {
      const port = target.create();
      expect(errno(port.createRuleset({ handledAccessFs: READ_FILE }, 7))).toBe("EINVAL");
      expect(errno(port.createRuleset({ handledAccessFs: READ_FILE }, pageSize + 1))).toBe("E2BIG");
      const fsOnly = port.createRuleset({ handledAccessFs: READ_FILE, handledAccessNet: 1n << 40n }, 8);
      expect(port.close(fsOnly._unsafeUnwrap()).isOk()).toBe(true);
      const padded = port.createRuleset({ handledAccessFs: READ_FILE }, pageSize);
      expect(port.close(padded._unsafeUnwrap()).isOk()).toBe(true);
    });

    it("adds a path-beneath rule on a directory; refuses unhandled rights, empty rights and bad parents (closed, ruleset, nsfs)", () => {
      withRuleset((port, ruleset) => {
        withFile(port, "directory", (dir) => {
          expect(
            port.addRule(ruleset, { type: "path-beneath", allowed: READ_DIR, parentFd: dir }).isOk(),
          ).toBe(true);
          const unhandled = { type: "path-beneath", allowed: known.fs + 1n, parentFd: dir } as const;
          expect(errno(port.addRule(ruleset, unhandled))).toBe("EINVAL");
          expect(errno(port.addRule(ruleset, { type: "path-beneath", allowed: 0n, parentFd: dir }))).toBe(
            "ENOMSG",
          );
          expect(
            errno(port.addRule(ruleset, { type: "path-beneath", allowed: READ_DIR, parentFd: dir }, FLAG_31)),
          ).toBe("EINVAL");
          expect(
            errno(port.addRule(CLOSED_FD, { type: "path-beneath", allowed: READ_DIR, parentFd: dir })),
          ).toBe("EBADF");
          expect(errno(port.addRule(dir, { type: "path-beneath", allowed: READ_DIR, parentFd: dir }))).toBe(
            "EBADFD",
          );
        });
        const parent = (parentFd: number) =>
          port.addRule(ruleset, { type: "path-beneath", allowed: READ_FILE, parentFd });
        expect(errno(parent(CLOSED_FD))).toBe("EBADF");
        expect(errno(parent(ruleset))).toBe("EBADFD");
        withFile(port, "nsfs", (nsfs) => expect(errno(parent(nsfs))).toBe("EBADFD"));
      });
    });

    it("grants a regular file only file rights: READ_FILE ok, READ_DIR EINVAL", () => {
      withRuleset((port, ruleset) => {
        withFile(port, "file", (file) => {
          expect(
            port.addRule(ruleset, { type: "path-beneath", allowed: READ_FILE, parentFd: file }).isOk(),
          ).toBe(true);
          expect(
            errno(port.addRule(ruleset, { type: "path-beneath", allowed: READ_DIR, parentFd: file })),
          ).toBe("EINVAL");
        });
      });
    });

    it.runIf(abi >= 4)("adds net-port rules for ports 0..65535 and refuses 65536 with EINVAL", () => {
      withRuleset((port, ruleset) => {
        for (const number of [0n, 8080n, 65_535n])
          expect(port.addRule(ruleset, { type: "net-port", allowed: BIND_TCP, port: number }).isOk()).toBe(
            true,
          );
        expect(errno(port.addRule(ruleset, { type: "net-port", allowed: BIND_TCP, port: 65_536n }))).toBe(
          "EINVAL",
        );
      });
    });

    it.runIf(abi < 4)("refuses the net-port rule type before ABI 4 with EINVAL", () => {
      withRuleset((port, ruleset) => {
        expect(errno(port.addRule(ruleset, { type: "net-port", allowed: BIND_TCP, port: 80n }))).toBe(
          "EINVAL",
        );
      });
    });

    it("refuses to restrict with an unknown flag or a fd that is no ruleset, without restricting", () => {
      const port = target.create();
      const expected = (errnoIfPrivileged: string) => (privileged ? errnoIfPrivileged : "EPERM");
      expect(errno(port.restrictSelf(CLOSED_FD, 0n))).toBe(expected("EBADF"));
      const flagsFirst = target.can.flagsBeforePrivilege === true;
      expect(errno(port.restrictSelf(CLOSED_FD, FLAG_31))).toBe(flagsFirst ? "EINVAL" : expected("EINVAL"));
      withFile(port, "directory", (dir) =>
        expect(errno(port.restrictSelf(dir, 0n))).toBe(expected("EBADFD")),
      );
    });

    it("opens a directory and a file as O_PATH rule parents: dir rights on the directory, file rights only on the file", () => {
      const paths = target.paths ?? DEFAULT_PATHS;
      withRuleset((port, ruleset) => {
        const dir = port.openPath(paths.directory)._unsafeUnwrap();
        const file = port.openPath(paths.file)._unsafeUnwrap();
        try {
          expect([dir.directory, file.directory]).toEqual([true, false]);
          const rule = (parentFd: number, allowed: bigint) =>
            port.addRule(ruleset, { type: "path-beneath", allowed, parentFd });
          expect(rule(dir.fd, READ_DIR | READ_FILE).isOk()).toBe(true);
          expect(rule(file.fd, READ_FILE).isOk()).toBe(true);
          expect(errno(rule(file.fd, READ_DIR))).toBe("EINVAL");
          // An O_PATH fd is no ruleset: EBADF, as for a fd not open.
          expect(
            errno(port.addRule(dir.fd, { type: "path-beneath", allowed: READ_DIR, parentFd: dir.fd })),
          ).toBe("EBADF");
        } finally {
          expect(port.close(dir.fd).isOk()).toBe(true);
          expect(port.close(file.fd).isOk()).toBe(true);
        }
      });
    });

    it("answers ENOENT for a missing path and EINVAL for a path with a NUL, opening nothing", () => {
      const paths = target.paths ?? DEFAULT_PATHS;
      const port = target.create();
      const before = target.openFdCount?.(port);
      expect(errno(port.openPath(paths.missing))).toBe("ENOENT");
      expect(errno(port.openPath(`${paths.directory}\0/etc`))).toBe("EINVAL");
      for (let round = 0; round < 200; round++) {
        const opened = port.openPath(round % 2 === 0 ? paths.directory : paths.missing);
        if (opened.isOk()) port.close(opened.value.fd);
      }
      if (target.openFdCount) expect(target.openFdCount(port)).toBe(before);
    });

    it("counts at least the calling thread", () => {
      expect(target.create().threadCount()._unsafeUnwrap()).toBeGreaterThanOrEqual(1);
    });

    it.runIf(target.can.restricts === true)(
      "stacks 16 layers, refuses the 17th with E2BIG; fd -1 with LOG_SUBDOMAINS_OFF alone adds none (ABI 7)",
      () => {
        withRuleset((port, ruleset) => {
          if (!privileged) {
            expect(errno(port.restrictSelf(ruleset, 0n))).toBe("EPERM");
            expect(port.setNoNewPrivs().isOk()).toBe(true);
          }
          if (abi >= 7) expect(port.restrictSelf(-1, LOG_SUBDOMAINS_OFF).isOk()).toBe(true);
          for (let layer = 0; layer < 16; layer++) expect(port.restrictSelf(ruleset, 0n).isOk()).toBe(true);
          expect(errno(port.restrictSelf(ruleset, 0n))).toBe(abi >= 2 ? "E2BIG" : "ok");
        });
      },
    );

    it("leaves no fd open over 500 creations and refusals", () => {
      const port = target.create();
      const count = target.openFdCount;
      const before = count?.(port);
      for (let round = 0; round < 500; round++) {
        const created = port.createRuleset(round % 2 === 0 ? fullAttr : {});
        if (created.isOk()) port.close(created.value);
      }
      if (count) expect(count(port)).toBe(before);
    });
  });
}

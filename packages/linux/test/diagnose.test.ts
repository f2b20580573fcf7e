import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FeatureSet, permissionHint } from "@negotiate/core";
import { describe, expect, it, onTestFinished } from "vitest";
import { diagnoseDenial, diagnoseUnavailable } from "../src/diagnose.js";
import {
  type PermissionEnvironment,
  parseFdinfoFeatures,
  readConfigUserfaultfd,
  readPermissionEnvironment,
} from "../src/proc.js";

const DEVICE = "/dev/userfaultfd";
const unprivileged: PermissionEnvironment = {
  unprivilegedUserfaultfd: 0,
  capSysPtrace: false,
  initialUserNamespace: true,
};
const EVENT_FORK = FeatureSet.of("EVENT_FORK").mask;

describe("diagnoseDenial", () => {
  it("blames the sysctl for EPERM from userfaultfd(2) without CAP_SYS_PTRACE, with the value read", () => {
    const cause = diagnoseDenial({ op: "open", mode: "syscall", errno: "EPERM" }, unprivileged, DEVICE);
    expect(cause).toEqual({ kind: "sysctl", sysctl: "vm.unprivileged_userfaultfd", value: 0 });
    expect(permissionHint(cause)).toContain("vm.unprivileged_userfaultfd=1");
    expect(permissionHint(cause)).toContain("user-mode-only");
    const unreadable = { capSysPtrace: false, initialUserNamespace: true };
    expect(diagnoseDenial({ op: "open", mode: "syscall", errno: "EPERM" }, unreadable, DEVICE)).toEqual({
      kind: "sysctl",
      sysctl: "vm.unprivileged_userfaultfd",
    });
  });

  it("blames a filter when the sysctl or CAP_SYS_PTRACE would have allowed userfaultfd(2)", () => {
    const open = { op: "open", mode: "syscall", errno: "EPERM" } as const;
    const sysctlAllows = diagnoseDenial(open, { ...unprivileged, unprivilegedUserfaultfd: 1 }, DEVICE);
    const capabilityAllows = diagnoseDenial(open, { ...unprivileged, capSysPtrace: true }, DEVICE);
    for (const cause of [sysctlAllows, capabilityAllows]) expect(cause.kind).toBe("filter");
    expect(sysctlAllows.kind === "filter" && sysctlAllows.detail).toContain(
      "vm.unprivileged_userfaultfd = 1",
    );
    expect(capabilityAllows.kind === "filter" && capabilityAllows.detail).toContain("CAP_SYS_PTRACE is held");
    expect(permissionHint(sysctlAllows)).toContain("seccomp");
  });

  it("does not count CAP_SYS_PTRACE held in a child user namespace", () => {
    const nested = { ...unprivileged, capSysPtrace: true, initialUserNamespace: false };
    expect(diagnoseDenial({ op: "open", mode: "syscall", errno: "EPERM" }, nested, DEVICE).kind).toBe(
      "sysctl",
    );
    expect(diagnoseDenial({ op: "api", features: EVENT_FORK, errno: "EPERM" }, nested, DEVICE).kind).toBe(
      "capability",
    );
  });

  it("blames the device's permissions for EACCES, naming the path, and a filter for anything else", () => {
    const cause = diagnoseDenial(
      { op: "open", mode: "device", errno: "EACCES" },
      unprivileged,
      "/dev/uffd-x",
    );
    expect(cause).toEqual({ kind: "device-permissions", path: "/dev/uffd-x" });
    expect(permissionHint(cause)).toContain("setfacl -m u:$USER:rw /dev/uffd-x");
    expect(diagnoseDenial({ op: "open", mode: "device", errno: "EPERM" }, unprivileged, DEVICE).kind).toBe(
      "filter",
    );
  });

  it("names CAP_SYS_PTRACE for EVENT_FORK refused without it, and a filter when it is held", () => {
    const denial = { op: "api", features: EVENT_FORK | 1n, errno: "EPERM" } as const;
    const cause = diagnoseDenial(denial, unprivileged, DEVICE);
    expect(cause).toEqual({ kind: "capability", capability: "CAP_SYS_PTRACE", feature: "EVENT_FORK" });
    expect(permissionHint(cause)).toContain("SYS_PTRACE");
    expect(diagnoseDenial(denial, { ...unprivileged, capSysPtrace: true }, DEVICE).kind).toBe("filter");
    expect(diagnoseDenial({ ...denial, features: 1n }, unprivileged, DEVICE).kind).toBe("filter");
  });

  it("blames a filter for a refused user-mode-only open, which the kernel allows everyone", () => {
    const cause = diagnoseDenial(
      { op: "open", mode: "user-mode-only", errno: "EPERM" },
      unprivileged,
      DEVICE,
    );
    expect(cause.kind).toBe("filter");
  });
});

describe("readPermissionEnvironment", () => {
  it("reads this root process: CAP_SYS_PTRACE held, initial namespace, the sysctl's value, no seccomp filter", () => {
    expect(readPermissionEnvironment()).toEqual({
      unprivilegedUserfaultfd: Number(readFileSync("/proc/sys/vm/unprivileged_userfaultfd", "utf8")),
      capSysPtrace: true,
      initialUserNamespace: true,
      seccompMode: 0,
    });
  });
});

describe("layered causes: LSM, not built, seccomp answering ENOSYS", () => {
  it("blames the LSM for EACCES from userfaultfd(2), which the kernel's own checks never answer", () => {
    const cause = diagnoseDenial(
      { op: "open", mode: "syscall", errno: "EACCES" },
      unprivileged,
      DEVICE,
      () => "selinux",
    );
    expect(cause).toMatchObject({ kind: "lsm", lsm: "selinux" });
    expect(permissionHint(cause)).toContain("SELinux");
    const none = diagnoseDenial(
      { op: "open", mode: "syscall", errno: "EACCES" },
      unprivileged,
      DEVICE,
      () => undefined,
    );
    expect(none.kind).toBe("filter");
  });

  it("reads CONFIG_USERFAULTFD from a config.gz, bounded, and says not-built when it is absent", () => {
    const dir = mkdtempSync(join(tmpdir(), "negotiate-config-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const without = join(dir, "without.gz");
    writeFileSync(without, gzipSync("CONFIG_MMU=y\n# CONFIG_USERFAULTFD is not set\n"));
    const withIt = join(dir, "with.gz");
    writeFileSync(withIt, gzipSync("CONFIG_MMU=y\nCONFIG_USERFAULTFD=y\n"));
    expect(readConfigUserfaultfd(without)).toBe(false);
    expect(readConfigUserfaultfd(withIt)).toBe(true);
    expect(readConfigUserfaultfd(join(dir, "absent.gz"))).toBeUndefined();
    writeFileSync(join(dir, "garbage.gz"), "not gzip");
    expect(readConfigUserfaultfd(join(dir, "garbage.gz"))).toBeUndefined();
    expect(diagnoseUnavailable("syscall", unprivileged, false)).toMatchObject({ kind: "not-built" });
    // This host's own config has it (userfaultfd works here).
    expect(readConfigUserfaultfd()).toBe(true);
  });

  it("blames a seccomp filter for ENOSYS when one is installed and the build has userfaultfd", () => {
    const filtered = { ...unprivileged, seccompMode: 2 };
    expect(diagnoseUnavailable("syscall", filtered, true)).toMatchObject({ kind: "seccomp-enosys" });
    expect(diagnoseUnavailable("syscall", filtered, undefined)).toMatchObject({ kind: "seccomp-enosys" });
    expect(diagnoseUnavailable("syscall", unprivileged, undefined)).toBeUndefined();
    expect(diagnoseUnavailable("device", filtered, false)).toBeUndefined();
  });
});

describe("parseFdinfoFeatures", () => {
  const parse = (text: string) => parseFdinfoFeatures(Buffer.from(text, "latin1"), text.length);
  const fdinfo = (api: string) =>
    `pos:\t0\nflags:\t02004000\nmnt_id:\t17\nino:\t8664\npending:\t0\ntotal:\t0\nAPI:\t${api}\n`;

  it("reads the features field and drops the internal bit 31", () => {
    expect(parse(fdinfo("aa:8000a002:80000000000001ff"))).toBe(0xa002n);
    expect(parse(fdinfo("aa:80000000:80000000000001ff"))).toBe(0n);
    expect(parse(fdinfo("aa:0:1ff"))).toBe(0n);
    expect(parse(fdinfo("aa:1FFFF:1ff"))).toBe(0x1ffffn);
    expect(parse(fdinfo("aa:ffff0000ffffffff:0"))).toBe(0xffff0000ffffffffn & ~(1n << 31n));
  });

  it("finds no features without an API line, or with a malformed one", () => {
    expect(parse("pos:\t0\nflags:\t02\n")).toBeUndefined();
    expect(parse(fdinfo("aa:"))).toBeUndefined();
    expect(parse(fdinfo("aa:12"))).toBeUndefined();
    expect(parse("XAPI:\taa:1:1\n")).toBeUndefined();
  });

  it("reads only the first `length` bytes", () => {
    const text = fdinfo("aa:3:1ff");
    expect(parseFdinfoFeatures(Buffer.from(text), text.indexOf("API:"))).toBeUndefined();
  });
});

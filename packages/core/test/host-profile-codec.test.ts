import { decodeHostProfile, encodeHostProfile, type HostProfile, isErrno } from "@negotiate/core";
import { describe, expect, it } from "vitest";

const profile: HostProfile = {
  format: "negotiate-host-profile",
  version: 1,
  capturedAt: "2026-01-01T00:00:00.000Z",
  kernel: { release: "6.8.0-45-generic", arch: "x86_64" },
  privileges: { uid: 65534, capSysPtrace: false, unprivilegedUserfaultfd: 0 },
  api: { supported: 0x1ffffn, ioctls: 0x8000000000000003n },
  openModes: { syscall: { errno: "EPERM" }, device: { errno: "EACCES" }, "user-mode-only": "ok" },
  eventFork: { errno: "EPERM" },
};

const json = () => JSON.parse(encodeHostProfile(profile)) as Record<string, unknown>;

describe("host profile JSON", () => {
  it("writes masks as hex strings and reads back the same profile", () => {
    const parsed = json();
    expect(parsed.api).toEqual({ supported: "0x1ffff", ioctls: "0x8000000000000003" });
    expect(decodeHostProfile(encodeHostProfile(profile))._unsafeUnwrap()).toEqual(profile);
    expect(decodeHostProfile(parsed)._unsafeUnwrap()).toEqual(profile);
  });

  it("omits an unreadable sysctl and reads a profile without it", () => {
    const { unprivilegedUserfaultfd: _, ...privileges } = profile.privileges;
    const without = { ...profile, privileges };
    expect(encodeHostProfile(without)).not.toContain("unprivilegedUserfaultfd");
    expect(decodeHostProfile(encodeHostProfile(without))._unsafeUnwrap()).toEqual(without);
  });

  // Sets (or, for `undefined`, deletes) the field at a dotted path of a parsed profile.
  function spoil(target: Record<string, unknown>, path: string, value: unknown): void {
    const keys = path.split(".");
    const last = keys.pop()!;
    const parent = keys.reduce((object, key) => object[key] as Record<string, unknown>, target);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }

  it.each([
    ["api.supported", 131071],
    ["api.ioctls", "0x10000000000000000"],
    ["kernel.release", "7.x.y"],
    ["kernel.arch", ""],
    ["openModes.device.errno", "ENOPE"],
    ["openModes.syscall", 1],
    ["privileges.uid", -1],
    ["privileges.capSysPtrace", undefined],
    ["capturedAt", "yesterday"],
    ["eventFork", "maybe"],
  ])("names the bad field %s and its value", (path, value) => {
    const parsed = json();
    spoil(parsed, path, value);
    const error = decodeHostProfile(parsed)._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "invalid-field", path, value });
    expect(error.message).toContain(path);
  });

  it("refuses text that is not JSON and versions it does not know", () => {
    expect(decodeHostProfile("{ nope")._unsafeUnwrapErr().kind).toBe("invalid-json");
    expect(decodeHostProfile({ ...json(), version: 3 })._unsafeUnwrapErr()).toMatchObject({
      kind: "unsupported-version",
      version: 3,
      message: expect.stringContaining("versions 1 and 2"),
    });
    // Version 2 has a landlock section.
    expect(decodeHostProfile({ ...json(), version: 2 })._unsafeUnwrapErr()).toMatchObject({
      kind: "invalid-field",
      path: "landlock",
    });
    expect(decodeHostProfile({ ...json(), format: "other" })._unsafeUnwrapErr()).toMatchObject({
      kind: "invalid-field",
      path: "format",
    });
  });
});

const landlock: NonNullable<HostProfile["landlock"]> = {
  version: { value: 7 },
  errata: { value: 7n },
  rights: { READ_FILE: "ok", BIND_TCP: "ok", RESOLVE_UNIX: { errno: "EINVAL" } },
  restrictFlags: { LOG_SAME_EXEC_OFF: { errno: "EBADF" }, TSYNC: { errno: "EINVAL" } },
  capSysAdmin: true,
  noNewPrivs: false,
};

describe("host profile JSON with Landlock (version 2)", () => {
  const withLandlock: HostProfile = { ...profile, version: 2, landlock };
  const parsed = () =>
    JSON.parse(encodeHostProfile(withLandlock)) as {
      version: number;
      landlock: Record<string, unknown>;
    };

  it("writes version 2 with the landlock section, and reads it back", () => {
    const written = parsed();
    expect(written.version).toBe(2);
    expect(written.landlock.errata).toEqual({ value: "0x7" });
    expect(decodeHostProfile(encodeHostProfile(withLandlock))._unsafeUnwrap()).toEqual(withLandlock);
    const refused = { ...withLandlock, landlock: { ...landlock, version: { errno: "ENOSYS" as const } } };
    expect(decodeHostProfile(encodeHostProfile(refused))._unsafeUnwrap().landlock?.version).toEqual({
      errno: "ENOSYS",
    });
  });

  it("writes a profile without Landlock as version 1, which readers of version 1 read", () => {
    const { landlock: _, ...plain } = withLandlock;
    expect(JSON.parse(encodeHostProfile(plain as HostProfile)).version).toBe(1);
    expect(decodeHostProfile(encodeHostProfile(plain as HostProfile))._unsafeUnwrap()).toEqual(profile);
  });

  it.each([
    ["landlock.version", { value: -1 }, "landlock.version.value"],
    ["landlock.errata", { value: "7" }, "landlock.errata.value"],
    ["landlock.restrictFlags", { TSYNC: "no" }, "landlock.restrictFlags.TSYNC"],
    ["landlock.rights", { READ_FILE: { errno: "ENOPE" } }, "landlock.rights.READ_FILE.errno"],
    ["landlock.capSysAdmin", "yes", "landlock.capSysAdmin"],
  ])("names the bad field under %s", (field, value, path) => {
    const written = parsed();
    const [, key] = field.split(".");
    written.landlock[key!] = value;
    const error = decodeHostProfile(written)._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "invalid-field", path });
    expect(error.message).toContain(path);
  });

  it("drops right names it does not know (a newer SDK's), as any unknown field", () => {
    const written = parsed();
    written.landlock.rights = { READ_FILE: "ok", READ_FILES: "ok", TSYNC: "ok" };
    written.landlock.restrictFlags = { READ_FILE: "ok" };
    const decoded = decodeHostProfile(written)._unsafeUnwrap().landlock!;
    expect(decoded.rights).toEqual({ READ_FILE: "ok" });
    expect(decoded.restrictFlags).toEqual({});
  });
});

describe("isErrno", () => {
  it("accepts known names and ERRNO_<n> only for numbers no name covers", () => {
    expect(["EPERM", "EMFILE", "ERRNO_200"].map(isErrno)).toEqual([true, true, true]);
    expect(["ERRNO_1", "ERRNO_0", "ERRNO_-1", "toString", "eperm", 1].map(isErrno)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

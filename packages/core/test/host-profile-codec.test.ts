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
    expect(decodeHostProfile({ ...json(), version: 2 })._unsafeUnwrapErr()).toMatchObject({
      kind: "unsupported-version",
      version: 2,
    });
    expect(decodeHostProfile({ ...json(), format: "other" })._unsafeUnwrapErr()).toMatchObject({
      kind: "invalid-field",
      path: "format",
    });
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

import { describe, expect, it } from "vitest";
import { parseKernelRelease } from "../../src/kernel-release.js";
import {
  LANDLOCK_ABIS,
  LANDLOCK_CATALOGUE,
  LANDLOCK_FILE_RIGHTS,
  landlockAbiOfRelease,
  landlockErrataOf,
  landlockMasksAt,
  landlockMasksOf,
  landlockRight,
  landlockRightNames,
  NEWEST_LANDLOCK_ABI,
  parseLandlockRight,
} from "../../src/landlock/index.js";

const version = (release: string) => parseKernelRelease(release)._unsafeUnwrap();

describe("Landlock catalogue", () => {
  it("names rights as the kernel does, without prefixes, and accepts the prefixed spelling of the same group only", () => {
    expect(landlockRight("READ_FILE")).toMatchObject({ group: "fs", bit: 2, abi: 1 });
    expect(landlockRight("LANDLOCK_ACCESS_FS_READ_FILE")?.name).toBe("READ_FILE");
    expect(landlockRight("LANDLOCK_ACCESS_NET_BIND_TCP")).toMatchObject({ group: "net", bit: 0, abi: 4 });
    expect(landlockRight("LANDLOCK_SCOPE_SIGNAL")).toMatchObject({ group: "scope", bit: 1, abi: 6 });
    expect(landlockRight("LANDLOCK_RESTRICT_SELF_TSYNC")).toMatchObject({
      group: "restrict",
      bit: 3,
      abi: 8,
    });
    expect(landlockRight("LANDLOCK_ACCESS_NET_READ_FILE")).toBeUndefined();
    expect(landlockRight("read_file")).toBeUndefined();
  });

  it("refuses an unknown name with a message naming the value and the valid names", () => {
    const refused = parseLandlockRight("READ_FLIE")._unsafeUnwrapErr();
    expect(refused.kind).toBe("unknown-landlock-right");
    expect(refused.message).toContain('"READ_FLIE"');
    expect(refused.message).toContain("READ_FILE");
    expect(landlockMasksOf(["READ_FILE", "NOPE"])._unsafeUnwrapErr().name).toBe("NOPE");
  });

  it("has one row per group and bit, bits contiguous from 0 in the order of their ABIs", () => {
    for (const group of ["fs", "net", "scope", "restrict", "rule"] as const) {
      const rows = LANDLOCK_CATALOGUE.filter((entry) => entry.group === group);
      expect(rows.map((entry) => entry.bit)).toEqual(rows.map((_, index) => index));
      const abis = rows.map((entry) => entry.abi);
      expect(abis).toEqual([...abis].sort((a, b) => a - b));
    }
  });

  it("gives each ABI's masks as bigint (reference §3 and §8 here: ABI 7 is fs 0xFFFF, net 0x3, scope 0x3, flags 0x7)", () => {
    expect(landlockMasksAt(0)).toEqual({ fs: 0n, net: 0n, scope: 0n, restrict: 0n, rule: 0n });
    expect(landlockMasksAt(1).fs).toBe(0x1fffn);
    expect(landlockMasksAt(3).fs).toBe(0x7fffn);
    expect(landlockMasksAt(7)).toEqual({ fs: 0xffffn, net: 0x3n, scope: 0x3n, restrict: 0x7n, rule: 0n });
    expect(landlockMasksAt(8).restrict).toBe(0xfn);
    expect(landlockMasksAt(10)).toEqual({ fs: 0x1ffffn, net: 0xfn, scope: 0x3n, restrict: 0xfn, rule: 0x1n });
    expect(landlockMasksAt(99)).toBe(landlockMasksAt(NEWEST_LANDLOCK_ABI));
  });

  it("maps mainline releases 5.10 → 7.2 to ABIs 0 → 10", () => {
    const abis = [
      "5.10.0",
      "5.13",
      "5.15.0-124-generic",
      "5.19",
      "6.1.0",
      "6.2",
      "6.7",
      "6.8.0",
      "6.10",
      "6.12",
      "6.15",
      "6.18.44",
      "7.0",
      "7.1",
      "7.2",
    ].map((release) => landlockAbiOfRelease(version(release)));
    expect(abis).toEqual([0, 1, 1, 2, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10]);
    expect(LANDLOCK_ABIS.map((row) => row.rulesetAttrSize)).toEqual([8, 8, 8, 16, 16, 24, 24, 24, 24, 48]);
  });

  it("separates file rights from directory-only ones", () => {
    expect(
      landlockRightNames({ fs: LANDLOCK_FILE_RIGHTS, net: 0n, scope: 0n, restrict: 0n, rule: 0n }),
    ).toEqual(["EXECUTE", "WRITE_FILE", "READ_FILE", "TRUNCATE", "IOCTL_DEV", "RESOLVE_UNIX"]);
  });

  it("reports errata by release and ABI: 7 on this host's 6.18, none for ABIs below an erratum's", () => {
    expect(landlockErrataOf(version("6.18.44"), 7)).toBe(7n);
    expect(landlockErrataOf(version("6.15.0"), 7)).toBe(3n);
    expect(landlockErrataOf(version("6.18.44"), 4)).toBe(5n);
  });
});

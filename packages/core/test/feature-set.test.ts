import {
  catalogue,
  FeatureSet,
  KNOWN_FEATURES_MASK,
  parseFeatureName,
  suggestFeatureNames,
} from "@negotiate/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const set = (mask: bigint) => FeatureSet.fromMask(mask)._unsafeUnwrap();

describe("FeatureSet", () => {
  it("accepts exactly the u64 range", () => {
    expect(FeatureSet.fromMask(-1n).isErr()).toBe(true);
    expect(FeatureSet.fromMask(1n << 64n)._unsafeUnwrapErr()).toEqual({ mask: 1n << 64n });
    expect(FeatureSet.fromMask((1n << 64n) - 1n).isOk()).toBe(true);
  });

  it("obeys the set laws and stays within u64", () => {
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const [x, y] = [set(a), set(b)];
        expect(x.union(y).mask).toBe(a | b);
        expect(x.intersect(y).mask).toBe(a & b);
        expect(x.difference(y).mask).toBe(a & ~b);
        expect(x.union(y).covers(x)).toBe(true);
        expect(x.difference(y).intersect(y).isEmpty).toBe(true);
        expect(x.union(y).mask <= (1n << 64n) - 1n).toBe(true);
      }),
    );
  });

  it("names known bits in bit order, keeps unknown bits apart, and prints hex", () => {
    const mixed = set(FeatureSet.of("THREAD_ID", "PAGEFAULT_FLAG_WP").mask | (1n << 63n) | (1n << 17n));
    expect(mixed.names()).toEqual(["PAGEFAULT_FLAG_WP", "THREAD_ID"]);
    expect(mixed.unknownBits()).toEqual([17, 63]);
    expect(mixed.hex()).toBe("0x8000000000020101");
    expect(mixed.has("THREAD_ID")).toBe(true);
    expect(mixed.has("MOVE")).toBe(false);
    expect(String(mixed)).toBe("{PAGEFAULT_FLAG_WP, THREAD_ID, bit17, bit63}");
  });

  it("parses names with or without the kernel prefix; an unknown one is unknown-feature with suggestions", () => {
    expect(FeatureSet.parse(["UFFD_FEATURE_THREAD_ID", "MOVE"])._unsafeUnwrap().names()).toEqual([
      "THREAD_ID",
      "MOVE",
    ]);
    expect(FeatureSet.parse(["THREAD_ID", "THREAD_IDS"])._unsafeUnwrapErr()).toEqual({
      kind: "unknown-feature",
      name: "THREAD_IDS",
      suggestions: ["THREAD_ID"],
      message: 'unknown feature "THREAD_IDS"; did you mean THREAD_ID?',
    });
    expect(parseFeatureName("move")._unsafeUnwrapErr().suggestions[0]).toBe("MOVE");
  });
});

describe("the catalogue", () => {
  it("is the reference's table: bits 0..16, mainline mask 0x1FFFF, unique names and bits", () => {
    expect(KNOWN_FEATURES_MASK).toBe(0x1ffffn);
    expect(new Set(catalogue.map((entry) => entry.bit)).size).toBe(catalogue.length);
    expect(catalogue.map((entry): number => entry.bit)).not.toContain(31);
  });

  it("suggests the nearest known names for a typo", () => {
    expect(suggestFeatureNames("EVENT_FROK")[0]).toBe("EVENT_FORK");
    expect(suggestFeatureNames("WP_ASINC")[0]).toBe("WP_ASYNC");
    expect(suggestFeatureNames("MINOR")).toEqual(expect.arrayContaining(["MINOR_HUGETLBFS", "MINOR_SHMEM"]));
    expect(parseFeatureName("HUGE_PAGES")._unsafeUnwrapErr().name).toBe("HUGE_PAGES");
  });
});

import { compareKernelVersions, kernelAtLeast, parseKernelRelease } from "@negotiate/core";
import { describe, expect, it } from "vitest";

describe("kernel releases", () => {
  it("parses uname -r forms, ignoring vendor suffixes", () => {
    expect(parseKernelRelease("6.8.0-45-generic")._unsafeUnwrap()).toEqual({ major: 6, minor: 8, patch: 0 });
    expect(parseKernelRelease("6.1.25")._unsafeUnwrap()).toEqual({ major: 6, minor: 1, patch: 25 });
    expect(parseKernelRelease("5.15")._unsafeUnwrap()).toEqual({ major: 5, minor: 15, patch: 0 });
    expect(parseKernelRelease("six")._unsafeUnwrapErr()).toEqual({ release: "six" });
  });

  it("orders by major, minor, then patch", () => {
    const v = (release: string) => parseKernelRelease(release)._unsafeUnwrap();
    expect(compareKernelVersions(v("6.1.25"), v("6.1.26"))).toBeLessThan(0);
    expect(compareKernelVersions(v("6.10"), v("6.9.12"))).toBeGreaterThan(0);
    expect(kernelAtLeast(v("4.11.0"), "4.11")).toBe(true);
    expect(kernelAtLeast(v("4.10.17"), "4.11")).toBe(false);
  });
});

import { type FeatureName, Knowledge, negotiate, type Session } from "@negotiate/core";
import { describe, expectTypeOf, it } from "vitest";
import { FakeBackend } from "./support/fake-backend.js";
import { testPolicy } from "./support/test-policy.js";

describe("typed sessions", () => {
  it("types required names as true and optional names as boolean", () => {
    const policy = testPolicy({ required: ["MISSING_SHMEM"], optional: ["THREAD_ID", "MOVE"] });
    const result = negotiate(policy, { backend: new FakeBackend(), knowledge: new Knowledge() });
    if (result.isErr()) return;
    expectTypeOf(result.value).toEqualTypeOf<Session<"MISSING_SHMEM", "THREAD_ID" | "MOVE">>();
    expectTypeOf(result.value.enabled.MISSING_SHMEM).toEqualTypeOf<true>();
    expectTypeOf(result.value.enabled.THREAD_ID).toEqualTypeOf<boolean>();
    expectTypeOf(result.value.enabled).not.toHaveProperty("EVENT_FORK");
  });

  it("types every name as boolean when nothing is known statically", () => {
    expectTypeOf<Session["enabled"]>().toEqualTypeOf<
      { readonly [K in never]: true } & { readonly [K in FeatureName]: boolean }
    >();
  });
});

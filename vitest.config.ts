import { defineConfig } from "vitest/config";

const sourceConditions = { conditions: ["@negotiate/source"] };
const REAL_KERNEL_TIMEOUTS = { testTimeout: 300_000, hookTimeout: 300_000 };

export default defineConfig({
  resolve: sourceConditions,
  ssr: { resolve: { conditions: ["@negotiate/source"], externalConditions: ["@negotiate/source"] } },
  test: {
    projects: [
      // Type tests (`*.test-d.ts`) are core's: checked once, in its project (each project would run tsc again).
      {
        extends: true,
        test: {
          name: "core",
          include: ["packages/core/test/**/*.test.ts"],
          typecheck: {
            enabled: true,
            include: ["packages/core/test/**/*.test-d.ts"],
            tsconfig: "tsconfig.json",
          },
        },
      },
      { extends: true, test: { name: "mock", include: ["packages/mock/test/**/*.test.ts"] } },
      // Real-kernel tests do a fixed amount of work (10,000 negotiations, a child process, a worker thread): its
      // time follows the machine's load, so the timeout only catches a hang, far above a busy machine's time.
      {
        extends: true,
        test: { name: "linux", include: ["packages/linux/test/**/*.test.ts"], ...REAL_KERNEL_TIMEOUTS },
      },
      { extends: true, test: { name: "cli", include: ["packages/cli/test/**/*.test.ts"] } },
      { extends: true, test: { name: "examples", include: ["examples/**/test/**/*.test.ts"] } },
      { extends: true, test: { name: "cross", include: ["test/**/*.test.ts"], ...REAL_KERNEL_TIMEOUTS } },
    ],
  },
});

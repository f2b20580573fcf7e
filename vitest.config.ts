import { defineConfig } from "vitest/config";

const sourceConditions = { conditions: ["@negotiate/source"] };

export default defineConfig({
  resolve: sourceConditions,
  ssr: { resolve: { conditions: ["@negotiate/source"], externalConditions: ["@negotiate/source"] } },
  test: {
    // Every test does a bounded amount of work (10,000 negotiations, fast-check runs, a child process, a worker
    // thread), whose time follows the machine's load: the timeout only catches a hang, far above a busy
    // machine's time, instead of vitest's 5 s.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    globalSetup: ["test/setup/temporary-folder.ts"],
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
      { extends: true, test: { name: "linux", include: ["packages/linux/test/**/*.test.ts"] } },
      { extends: true, test: { name: "cli", include: ["packages/cli/test/**/*.test.ts"] } },
      { extends: true, test: { name: "examples", include: ["examples/**/test/**/*.test.ts"] } },
      { extends: true, test: { name: "cross", include: ["test/**/*.test.ts"] } },
    ],
  },
});

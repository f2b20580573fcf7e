import { defineConfig } from "vitest/config";

const sourceConditions = { conditions: ["@negotiate/source"] };

export default defineConfig({
  resolve: sourceConditions,
  ssr: { resolve: { conditions: ["@negotiate/source"], externalConditions: ["@negotiate/source"] } },
  test: {
    projects: [
      { extends: true, test: { name: "core", include: ["packages/core/test/**/*.test.ts"] } },
      { extends: true, test: { name: "mock", include: ["packages/mock/test/**/*.test.ts"] } },
      { extends: true, test: { name: "linux", include: ["packages/linux/test/**/*.test.ts"] } },
      { extends: true, test: { name: "cli", include: ["packages/cli/test/**/*.test.ts"] } },
      { extends: true, test: { name: "examples", include: ["examples/**/test/**/*.test.ts"] } },
      { extends: true, test: { name: "cross", include: ["test/**/*.test.ts"], testTimeout: 60_000 } },
    ],
    typecheck: { enabled: true, include: ["**/*.test-d.ts"], tsconfig: "tsconfig.json" },
  },
});

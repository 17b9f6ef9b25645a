import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "packages/web/test/**/*.test.tsx",
      "scripts/test/**/*.test.ts",
      "packages/web/e2e/**/*.test.ts",
    ],
    // Adapter, HTTP, process and browser tests talk to real services and child processes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})

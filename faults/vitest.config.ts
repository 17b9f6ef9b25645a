import path from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// The fault scenarios start servers and processes of their own and restart them, so they
// run one file at a time, apart from `bun run test`.
export default defineConfig({
  test: {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
    include: ["faults/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 150_000,
    hookTimeout: 60_000,
    globalSetup: ["faults/support/summary.ts"],
  },
})

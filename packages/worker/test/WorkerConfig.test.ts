/**
 * WORKER_CONCURRENCY: its default, the accepted range and the one-line error for
 * an invalid value.
 */
import { describe, expect, it } from "@effect/vitest"
import { AppConfig } from "@jobs/adapters"
import { ConfigProvider, Effect } from "effect"
import { WorkerConfig } from "../src/WorkerConfig"

const withEnv = (env: Readonly<Record<string, string>>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("WORKER_CONCURRENCY", () => {
  it.effect("defaults to 4", () =>
    Effect.gen(function* () {
      const config = yield* WorkerConfig.pipe(withEnv({}))
      expect(config.concurrency).toBe(4)
    }),
  )

  it.effect.each(["1", "16", "1000"])("accepts %s", (raw) =>
    Effect.gen(function* () {
      const config = yield* WorkerConfig.pipe(withEnv({ WORKER_CONCURRENCY: raw }))
      expect(config.concurrency).toBe(Number(raw))
    }),
  )

  it.effect.each([
    { raw: "0", problem: "is out of range" },
    { raw: "1001", problem: "is out of range" },
    { raw: "-1", problem: "is not a whole number" },
    { raw: "2.5", problem: "is not a whole number" },
    { raw: "four", problem: "is not a whole number" },
    { raw: "", problem: "is not a whole number" },
  ])("rejects $raw: $problem", ({ raw, problem }) =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(WorkerConfig.pipe(withEnv({ WORKER_CONCURRENCY: raw })))
      expect(AppConfig.describeConfigError(error)).toBe(
        `invalid configuration: WORKER_CONCURRENCY=${JSON.stringify(raw)} ${problem}, expected a whole number from 1 to 1000.`,
      )
    }),
  )
})

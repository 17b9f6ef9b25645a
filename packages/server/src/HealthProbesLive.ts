import { PostgresHealth, RedisHealth } from "@jobs/adapters"
import { Effect, Layer } from "effect"
import { HealthProbes } from "./http/HealthHandlers"

/** The health probes on the real PostgreSQL and Redis adapters. */
export const layer = Layer.effect(
  HealthProbes,
  Effect.gen(function* () {
    const postgres = yield* PostgresHealth
    const redis = yield* RedisHealth
    return { postgres: postgres.ping, redis: redis.ping }
  }),
)

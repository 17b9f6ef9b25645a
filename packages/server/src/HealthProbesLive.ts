import { PostgresHealth, RedisHealth } from "@jobs/adapters"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { HealthProbes } from "./http/HealthHandlers"

/**
 * The health probes on the real PostgreSQL and Redis adapters. The PostgreSQL
 * adapter logs every failed query at warning level. For the ping those lines are
 * dropped, because the health check logs each change of state itself.
 */
export const layer = Layer.effect(
  HealthProbes,
  Effect.gen(function* () {
    const postgres = yield* PostgresHealth
    const redis = yield* RedisHealth
    return {
      postgres: postgres.ping.pipe(Logger.withMinimumLogLevel(LogLevel.Error)),
      redis: redis.ping,
    }
  }),
)

/**
 * Health check of the PostgreSQL connection, for the `/api/health` endpoint.
 */
import { SqlClient } from "@effect/sql"
import { RepositoryError } from "@jobs/domain"
import { Context, Duration, Effect, Layer } from "effect"
import { toRepositoryError } from "./PostgresErrors"

/** How long a ping may take before the database counts as down. */
export const PING_TIMEOUT = Duration.seconds(2)

export interface PostgresHealthShape {
  /**
   * Runs `SELECT 1`. Fails with a RepositoryError (safe message) when the query fails or does
   * not finish within PING_TIMEOUT.
   */
  readonly ping: Effect.Effect<void, RepositoryError>
}

export class PostgresHealth extends Context.Tag("@jobs/adapters/PostgresHealth")<
  PostgresHealth,
  PostgresHealthShape
>() {}

/** Builds the health check on the current SqlClient. */
export const make: Effect.Effect<PostgresHealthShape, never, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient

    const ping = sql`SELECT 1`.pipe(
      Effect.asVoid,
      Effect.catchTag("SqlError", toRepositoryError("health check")),
      Effect.timeoutFail({
        duration: PING_TIMEOUT,
        onTimeout: () =>
          new RepositoryError({
            message: `database unavailable: health check timed out after ${Duration.format(PING_TIMEOUT)}`,
          }),
      }),
    )

    return PostgresHealth.of({ ping })
  },
)

/** Provides PostgresHealth on the current SqlClient. */
export const layer: Layer.Layer<PostgresHealth, never, SqlClient.SqlClient> = Layer.effect(
  PostgresHealth,
  make,
)

/**
 * Applies the database migrations once and exits: `bun run migrate`. The server
 * and the worker also apply them at startup; this is for deployments that prefer
 * a separate step.
 */
import { AppConfig, Postgres, runMain } from "@jobs/adapters"
import { Effect } from "effect"

runMain(AppConfig.common, (config) =>
  Postgres.migrate.pipe(
    Effect.tap((applied) =>
      Effect.logInfo("migrations finished").pipe(
        Effect.annotateLogs({ appliedCount: applied.length }),
      ),
    ),
    Effect.provide(Postgres.layer({ url: config.databaseUrl })),
  ),
)

/**
 * The PostgreSQL connection shared by the adapters: a connection pool (PgClient, which is
 * also the generic SqlClient), the schema migrations and a health check.
 */
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient, PgMigrator } from "@effect/sql-pg"
import { RepositoryError } from "@jobs/domain"
import {
  Config,
  type ConfigError,
  Duration,
  Effect,
  Layer,
  Redacted,
  type Scope,
  String as Str,
} from "effect"
import { migrations } from "./Migrations"
import { toRepositoryError } from "./PostgresErrors"
import * as PostgresHealth from "./PostgresHealth"

/** Used when neither the options nor DATABASE_URL name a database. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jobs"

/**
 * How long to wait for a connection, both when the layer is built and when a query waits
 * for a pooled connection (pg-pool's connectionTimeoutMillis covers the wait for a free
 * connection and the connect itself). Without it, pg waits forever for a host that does not
 * respond. It is shorter than the API's 4 s request bound, so a request gets the pool's
 * error instead of being interrupted while it waits for a connection.
 */
export const CONNECT_TIMEOUT = Duration.seconds(3)

/**
 * How long an unused pooled connection stays open (pg-pool's idleTimeoutMillis), so a
 * connection left half-open by a network failure is not kept for reuse indefinitely.
 */
export const IDLE_TIMEOUT = Duration.seconds(10)

export interface Options {
  /** Connection URL; DATABASE_URL (or DEFAULT_DATABASE_URL) when absent. */
  readonly url?: Redacted.Redacted<string> | undefined
}

const databaseUrl = (options: Options): Config.Config<Redacted.Redacted<string>> =>
  options.url === undefined
    ? Config.redacted("DATABASE_URL").pipe(Config.withDefault(Redacted.make(DEFAULT_DATABASE_URL)))
    : Config.succeed(options.url)

/** host:port/database of a connection URL, without user or password, for logs. */
const describeTarget = (url: Redacted.Redacted<string>): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    return `${parsed.host}${parsed.pathname}`
  } catch {
    return "unparsable DATABASE_URL"
  }
}

const connect = (url: Redacted.Redacted<string>) =>
  PgClient.layer({
    url,
    transformQueryNames: Str.camelToSnake,
    transformResultNames: Str.snakeToCamel,
    connectTimeout: CONNECT_TIMEOUT,
    idleTimeout: IDLE_TIMEOUT,
  }).pipe(
    Layer.tap(() =>
      Effect.logInfo("database connected").pipe(
        Effect.annotateLogs({ database: describeTarget(url) }),
      ),
    ),
    Layer.catchAll((error) => Layer.effectContext(toRepositoryError("connect")(error))),
  )

/**
 * Connects to PostgreSQL and provides PgClient, SqlClient (snake_case columns seen as
 * camelCase fields) and PostgresHealth. Building fails with a RepositoryError whose message
 * names no URL or password when the database cannot be reached.
 */
export const layer = (
  options: Options = {},
): Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient | PostgresHealth.PostgresHealth,
  RepositoryError | ConfigError.ConfigError
> => {
  const client = Layer.unwrapEffect(Effect.map(databaseUrl(options), connect))
  return PostgresHealth.layer.pipe(Layer.provideMerge(client))
}

// Any fixed number works, as long as every process that migrates this database uses the
// same one. Advisory lock keys live in one namespace per database.
const MIGRATION_LOCK_KEY = 7_240_001

/**
 * Takes a session-level advisory lock on a connection reserved for the current scope and
 * releases it when the scope closes. Another process calling this waits in
 * `pg_advisory_lock` until the lock is released, so two processes never migrate at the
 * same time. Migration queries use other pooled connections: the lock is a mutex between
 * processes, not a transaction.
 */
const acquireMigrationLock: Effect.Effect<
  void,
  RepositoryError,
  SqlClient.SqlClient | Scope.Scope
> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const connection = yield* sql.reserve

  // Registered before locking, so the lock is released even when the wait for it is
  // interrupted just after it was granted. The connection then goes back to the pool.
  yield* Effect.addFinalizer(() =>
    connection
      .executeRaw("SELECT pg_advisory_unlock_all()", [])
      .pipe(Effect.catchAll(toRepositoryError("release migration lock")), Effect.ignore),
  )
  yield* connection.executeRaw("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY])
}).pipe(Effect.catchTag("SqlError", toRepositoryError("acquire migration lock")))

const runMigrations = PgMigrator.run({ loader: PgMigrator.fromRecord(migrations) }).pipe(
  Effect.catchTags({
    SqlError: toRepositoryError("migrate"),
    MigrationError: (error) =>
      Effect.logWarning("database migration failed").pipe(
        Effect.annotateLogs({ reason: error.reason, error: error.message }),
        Effect.zipRight(Effect.fail(new RepositoryError({ message: "database migration failed" }))),
      ),
  }),
)

/**
 * Applies the migrations that have not run yet and returns them as [id, name] pairs (empty
 * when the schema is up to date). Safe when several processes start at once on an empty
 * database: they take turns under an advisory lock. Fails with a RepositoryError; a
 * migration whose SQL fails is a defect, because the code, not the database, is wrong.
 */
export const migrate: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  RepositoryError,
  PgClient.PgClient | SqlClient.SqlClient
> = acquireMigrationLock.pipe(
  Effect.zipRight(runMigrations),
  Effect.scoped,
  Effect.tap((applied) =>
    applied.length === 0
      ? Effect.logDebug("database schema up to date")
      : Effect.logInfo("database migrations applied").pipe(
          Effect.annotateLogs({
            migrations: applied.map(([id, name]) => `${id}_${name}`).join(","),
          }),
        ),
  ),
  Effect.provide(NodeContext.layer),
)

/** Like `layer`, and also applies pending migrations (under the advisory lock) while building. */
export const layerMigrated = (
  options: Options = {},
): Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient | PostgresHealth.PostgresHealth,
  RepositoryError | ConfigError.ConfigError
> => Layer.effectDiscard(migrate).pipe(Layer.provideMerge(layer(options)))

/**
 * Throwaway PostgreSQL databases for tests. Each test file works in a database of its own,
 * named `jobs_test_<random>`, on the shared server at 127.0.0.1:5432, and drops it when done.
 *
 * With vitest hooks:
 *
 *   let database: TestDatabase
 *   beforeAll(async () => { database = await createTestDatabase({ migrate: true }) })
 *   afterAll(() => dropTestDatabase(database))
 *
 * then start processes with DATABASE_URL=database.url. With Effect, use `scopedTestDatabase`
 * or `layerTestDatabase`.
 */
import { randomUUID } from "node:crypto"
import type { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Logger, LogLevel, Redacted, type Scope } from "effect"
import { Postgres, type PostgresHealth } from "../../src/index"

/** The shared server, as user postgres (trust authentication, no password). */
export const POSTGRES_SERVER_URL = "postgres://postgres@127.0.0.1:5432"

/** The database used to create and drop the test databases. */
export const ADMIN_DATABASE_URL = `${POSTGRES_SERVER_URL}/postgres`

export interface TestDatabase {
  readonly name: string
  /** Connection URL of the database, for DATABASE_URL. */
  readonly url: string
  readonly redactedUrl: Redacted.Redacted<string>
}

export interface CreateOptions {
  /** Apply the schema migrations after creating the database (default false). */
  readonly migrate?: boolean
}

/** Picks a new unique database name; creates nothing. */
export const newTestDatabase = (): TestDatabase => {
  const name = `jobs_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  const url = `${POSTGRES_SERVER_URL}/${name}`
  return { name, url, redactedUrl: Redacted.make(url) }
}

// Helper connections log at warning level only, so test output shows what the test does.
const quietly = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Logger.withMinimumLogLevel(effect, LogLevel.Warning)

const withAdminClient = <A, E>(
  use: (sql: PgClient.PgClient) => Effect.Effect<A, E>,
): Effect.Effect<A, unknown> =>
  Effect.flatMap(PgClient.PgClient, use).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(ADMIN_DATABASE_URL) })),
    quietly,
  )

/** Creates the database, and applies the migrations when `options.migrate` is set. */
export const createDatabase = (
  database: TestDatabase,
  options: CreateOptions = {},
): Effect.Effect<void, unknown> =>
  Effect.gen(function* () {
    yield* withAdminClient((sql) => sql`CREATE DATABASE ${sql(database.name)}`)
    if (options.migrate === true) {
      // A caller whose create failed never gets the name back, so the database is dropped here.
      yield* Postgres.migrate.pipe(
        Effect.provide(Postgres.layer({ url: database.redactedUrl })),
        quietly,
        Effect.onError(() => Effect.ignoreLogged(dropDatabase(database))),
      )
    }
  })

/** Drops the database, closing any connection still open to it. */
export const dropDatabase = (database: TestDatabase): Effect.Effect<void, unknown> =>
  withAdminClient((sql) => sql`DROP DATABASE IF EXISTS ${sql(database.name)} WITH (FORCE)`)

/** A new database that exists for the lifetime of the scope. */
export const scopedTestDatabase = (
  options: CreateOptions = {},
): Effect.Effect<TestDatabase, unknown, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(newTestDatabase).pipe(Effect.tap((database) => createDatabase(database, options))),
    (database) => Effect.orDie(dropDatabase(database)),
  )

/**
 * Postgres.layer on a new, migrated database that is dropped when the layer is released.
 */
export const layerTestDatabase: Layer.Layer<
  PgClient.PgClient | SqlClient.SqlClient | PostgresHealth,
  unknown
> = Layer.unwrapScoped(
  Effect.map(scopedTestDatabase({ migrate: true }), (database) =>
    Postgres.layer({ url: database.redactedUrl }),
  ),
)

/** Creates a new database (migrated when `options.migrate` is set) and returns it. */
export const createTestDatabase = async (
  options: CreateOptions & { readonly database?: TestDatabase } = {},
): Promise<TestDatabase> => {
  const database = options.database ?? newTestDatabase()
  await Effect.runPromise(createDatabase(database, options))
  return database
}

/** Drops a database made by createTestDatabase; does nothing if it is already gone. */
export const dropTestDatabase = (database: TestDatabase): Promise<void> =>
  Effect.runPromise(dropDatabase(database))

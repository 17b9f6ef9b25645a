import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { JobRepository } from "@jobs/domain"
import { ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import { Postgres, PostgresHealth, PostgresJobRepository } from "../src/index"
import { newJobId } from "./support/JobFixtures"
import { closedPort } from "./support/Network"
import {
  dropDatabase,
  layerTestDatabase,
  scopedTestDatabase,
  type TestDatabase,
} from "./support/TestDatabase"
import { captureLogs, warningsOnly } from "./support/TestLogs"

const PASSWORD = "postgres-test-secret"

const clientOf = (database: TestDatabase) => Postgres.layer({ url: database.redactedUrl })

layer(layerTestDatabase, { excludeTestServices: true })("PostgresHealth", (it) => {
  it.effect("ping succeeds on a reachable database", () =>
    Effect.flatMap(PostgresHealth, (health) => health.ping),
  )
})

describe("Postgres.layer", () => {
  it.live("reads DATABASE_URL when no url is given", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase()
      const fromEnvironment = Postgres.layer().pipe(
        Layer.provide(
          Layer.setConfigProvider(
            ConfigProvider.fromMap(new Map([["DATABASE_URL", database.url]])),
          ),
        ),
      )

      const current = yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ readonly name: string }>`SELECT current_database() AS name`,
      ).pipe(Effect.provide(fromEnvironment))

      expect(current).toEqual([{ name: database.name }])
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )
})

describe("Postgres.migrate", () => {
  // Without the advisory lock, two migrators racing on an empty database fail most of the
  // time (creating effect_sql_migrations twice), so a few rounds make a regression visible.
  it.live("concurrent runs on a fresh database apply each migration once", () =>
    Effect.gen(function* () {
      for (let round = 1; round <= 3; round++) {
        const database = yield* scopedTestDatabase()

        const [first, second] = yield* Effect.all(
          [
            Postgres.migrate.pipe(Effect.provide(clientOf(database))),
            Postgres.migrate.pipe(Effect.provide(clientOf(database))),
          ],
          { concurrency: "unbounded" },
        )

        expect([...first, ...second]).toEqual([[1, "create_jobs"]])
      }
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )

  it.live("a rerun applies nothing and keeps one record per migration", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase({ migrate: true })

      const rerun = yield* Postgres.migrate.pipe(Effect.provide(clientOf(database)))
      const records = yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`SELECT migration_id FROM effect_sql_migrations`,
      ).pipe(Effect.provide(clientOf(database)))

      expect(rerun).toEqual([])
      expect(records).toEqual([{ migrationId: 1 }])
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )
})

describe("jobs table", () => {
  const insertRaw = (database: TestDatabase, columns: Record<string, unknown>) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO jobs ${sql.insert(columns)}`).pipe(
      Effect.provide(clientOf(database)),
    )

  const validRow = () => ({
    id: newJobId(),
    name: "raw job",
    durationSeconds: 5,
    status: "PENDING",
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
    version: 1,
  })

  const constraintOf = (error: unknown): unknown =>
    typeof error === "object" && error !== null && "cause" in error
      ? (error.cause as { constraint?: unknown }).constraint
      : undefined

  it.live("rejects rows the domain cannot produce", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase({ migrate: true })

      yield* insertRaw(database, validRow())
      const tooLong = yield* Effect.flip(
        insertRaw(database, { ...validRow(), durationSeconds: 31 }),
      )
      const unknownStatus = yield* Effect.flip(
        insertRaw(database, { ...validRow(), status: "PAUSED" }),
      )
      const pendingButStarted = yield* Effect.flip(
        insertRaw(database, { ...validRow(), startedAt: new Date() }),
      )

      expect(constraintOf(tooLong)).toBe("jobs_duration_seconds_range")
      expect(constraintOf(unknownStatus)).toBe("jobs_status_known")
      expect(constraintOf(pendingButStarted)).toBe("jobs_timestamps_match_status")
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )
})

describe("Postgres failures", () => {
  it.live("unreachable database fails the layer with a safe RepositoryError", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const port = yield* Effect.promise(closedPort)
      const url = Redacted.make(`postgres://postgres:${PASSWORD}@127.0.0.1:${port}/jobs`)

      const error = yield* Effect.flip(Layer.build(Postgres.layer({ url })).pipe(Effect.scoped))

      expect(error._tag).toBe("RepositoryError")
      expect(error.message).toBe("database unavailable: connection refused")
      expect(logs.lines.some((line) => line.includes("level=WARN"))).toBe(true)
      expect(logs.lines.filter((line) => line.includes(PASSWORD))).toEqual([])
    }).pipe(Effect.provide(logs.layer))
  })

  it.live("ping fails with a safe RepositoryError once the database is gone", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase()
      const health = Context.get(yield* Layer.build(clientOf(database)), PostgresHealth)
      yield* health.ping

      yield* dropDatabase(database)
      const error = yield* Effect.flip(health.ping)

      expect(error._tag).toBe("RepositoryError")
      expect(error.message).toMatch(/^database unavailable: /)
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )

  it.live("a failing query gives a RepositoryError without SQL", () =>
    Effect.gen(function* () {
      // Not migrated, so the jobs table does not exist.
      const database = yield* scopedTestDatabase()
      const repository = Context.get(
        yield* Layer.build(PostgresJobRepository.layer.pipe(Layer.provide(clientOf(database)))),
        JobRepository,
      )

      const error = yield* Effect.flip(repository.findById(newJobId()))

      expect(error._tag).toBe("RepositoryError")
      expect(error.message).toBe("database query failed")
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )
})

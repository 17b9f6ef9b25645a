import { randomUUID } from "node:crypto"
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgMigrator } from "@effect/sql-pg"
import { describe, expect, it, layer } from "@effect/vitest"
import { JobRepository } from "@jobs/domain"
import { ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import { Postgres, PostgresHealth, PostgresJobRepository } from "../src/index"
import { migrations } from "../src/postgres/Migrations"
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

/** The name of the constraint a failed statement violated, from the driver's error. */
const constraintOf = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "cause" in error
    ? (error.cause as { constraint?: unknown }).constraint
    : undefined

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

        expect([...first, ...second].sort(([a], [b]) => a - b)).toEqual([
          [1, "create_jobs"],
          [2, "add_event_log_and_heartbeats"],
          [3, "add_rerun_of"],
          [4, "create_workers"],
          [5, "add_job_search"],
        ])
      }
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )

  it.live("a rerun applies nothing and keeps one record per migration", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase({ migrate: true })

      const rerun = yield* Postgres.migrate.pipe(Effect.provide(clientOf(database)))
      const records = yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`SELECT migration_id FROM effect_sql_migrations ORDER BY migration_id`,
      ).pipe(Effect.provide(clientOf(database)))

      expect(rerun).toEqual([])
      expect(records).toEqual([
        { migrationId: 1 },
        { migrationId: 2 },
        { migrationId: 3 },
        { migrationId: 4 },
        { migrationId: 5 },
      ])
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

      const runningWithoutWorker = yield* Effect.flip(
        insertRaw(database, { ...validRow(), status: "RUNNING", startedAt: new Date() }),
      )
      const pendingWithWorker = yield* Effect.flip(
        insertRaw(database, { ...validRow(), workerId: "worker-a" }),
      )

      expect(constraintOf(tooLong)).toBe("jobs_duration_seconds_range")
      expect(constraintOf(unknownStatus)).toBe("jobs_status_known")
      expect(constraintOf(pendingButStarted)).toBe("jobs_timestamps_match_status")
      expect(constraintOf(runningWithoutWorker)).toBe("jobs_worker_matches_status")
      expect(constraintOf(pendingWithWorker)).toBe("jobs_worker_matches_status")
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )

  it.live("rerun_of must name a stored job", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase({ migrate: true })
      const original = validRow()
      yield* insertRaw(database, original)

      yield* insertRaw(database, { ...validRow(), rerunOf: original.id })
      const unknownOriginal = yield* Effect.flip(
        insertRaw(database, { ...validRow(), rerunOf: newJobId() }),
      )

      expect(constraintOf(unknownOriginal)).toBe("jobs_rerun_of_fkey")
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )
})

describe("job_events table", () => {
  const insertEvent = (database: TestDatabase, jobId: string, jobVersion: number) =>
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`
        INSERT INTO job_events
          (event_id, job_id, job_version, event_type, occurred_at, producer, envelope)
        VALUES (${randomUUID()}, ${jobId}, ${jobVersion}, 'JobCreated', now(), 'api', '{}')
      `,
    ).pipe(Effect.provide(clientOf(database)))

  it.live("rejects orphan and duplicate-version events", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase({ migrate: true })
      const jobId = newJobId()
      yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`
          INSERT INTO jobs (id, name, duration_seconds, status, created_at, version)
          VALUES (${jobId}, 'raw job', 1, 'PENDING', now(), 1)
        `,
      ).pipe(Effect.provide(clientOf(database)))
      yield* insertEvent(database, jobId, 1)

      const unknownJob = yield* Effect.flip(insertEvent(database, newJobId(), 1))
      const sameVersion = yield* Effect.flip(insertEvent(database, jobId, 1))

      expect(constraintOf(unknownJob)).toBe("job_events_job_id_fkey")
      expect(constraintOf(sameVersion)).toBe("job_events_one_per_version")
    }).pipe(Effect.scoped, Effect.provide(warningsOnly)),
  )
})

const createJobsMigration = migrations["0001_create_jobs"] ?? Effect.dieMessage("no migration 1")

describe("migration 2", () => {
  const migrateFirstOnly = (database: TestDatabase) =>
    PgMigrator.run({
      loader: PgMigrator.fromRecord({ "0001_create_jobs": createJobsMigration }),
    }).pipe(Effect.provide(NodeContext.layer), Effect.provide(clientOf(database)))

  it.live("marks earlier RUNNING jobs' worker as unknown", () =>
    Effect.gen(function* () {
      const database = yield* scopedTestDatabase()
      yield* migrateFirstOnly(database)
      const jobId = newJobId()
      const startedAt = new Date("2024-01-01T00:00:01.000Z")
      yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`
          INSERT INTO jobs (id, name, duration_seconds, status, created_at, started_at, version)
          VALUES (${jobId}, 'old job', 5, 'RUNNING', ${startedAt}, ${startedAt}, 2)
        `,
      ).pipe(Effect.provide(clientOf(database)))

      const applied = yield* Postgres.migrate.pipe(Effect.provide(clientOf(database)))
      const stale = yield* Effect.flatMap(JobRepository, (repository) =>
        repository.findStale(new Date("2024-01-01T00:00:02.000Z"), 10),
      ).pipe(Effect.provide(PostgresJobRepository.layer), Effect.provide(clientOf(database)))

      expect(applied).toEqual([
        [2, "add_event_log_and_heartbeats"],
        [3, "add_rerun_of"],
        [4, "create_workers"],
        [5, "add_job_search"],
      ])
      expect(stale.map((job) => [job.id, job.workerId])).toEqual([[jobId, "unknown"]])
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

import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { encodeEventJson, Job, JobRepository, JobSearch } from "@jobs/domain"
import { Effect, Either, Layer, Option } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Postgres, PostgresJobRepository } from "../src/index"
import { jobRepositoryContract } from "./contract/JobRepositoryContract"
import { created, TEST_WORKER } from "./support/JobFixtures"
import { createTestDatabase, dropTestDatabase, newTestDatabase } from "./support/TestDatabase"
import { type CapturedLogs, captureLogs, warningsOnly } from "./support/TestLogs"

const database = newTestDatabase()

beforeAll(() => createTestDatabase({ database, migrate: true }))
afterAll(() => dropTestDatabase(database))

// Every test starts from empty tables, like the in-memory adapter's fresh Ref.
const emptyTables = Layer.effectDiscard(
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`TRUNCATE job_events, jobs`),
)

const repositoryLayer = PostgresJobRepository.layer.pipe(
  Layer.provide(emptyTables),
  Layer.provideMerge(Postgres.layer({ url: database.redactedUrl })),
)

jobRepositoryContract("PostgresJobRepository", repositoryLayer)

jobRepositoryContract(
  "PostgresJobRepository without batching",
  PostgresJobRepository.layerUnbatched.pipe(
    Layer.provide(emptyTables),
    Layer.provideMerge(Postgres.layer({ url: database.redactedUrl })),
  ),
)

describe("PostgresJobRepository on PostgreSQL", () => {
  const test = (
    title: string,
    body: Effect.Effect<void, unknown, JobRepository | SqlClient.SqlClient>,
  ) =>
    it.live(title, () =>
      body.pipe(Effect.provide(Layer.fresh(repositoryLayer)), Effect.provide(warningsOnly)),
    )

  /** Like `test`, with the log lines kept in memory for the body to check. */
  const testWithLogs = (
    title: string,
    body: (logs: CapturedLogs) => Effect.Effect<void, unknown, JobRepository | SqlClient.SqlClient>,
  ) =>
    it.live(title, () => {
      const logs = captureLogs()
      return body(logs).pipe(
        Effect.provide(Layer.fresh(repositoryLayer)),
        Effect.provide(logs.layer),
      )
    })

  testWithLogs("a failing event insert rolls back the job update", (logs) =>
    Effect.gen(function* () {
      const repository = yield* JobRepository
      const creation = created()
      yield* repository.insert(creation.job, creation.event)
      // The JobCreated event's id again, so the event insert violates the primary key
      // after the job row was already updated in the same transaction.
      const start = Either.getOrThrow(
        Job.start(creation.job, TEST_WORKER, {
          eventId: creation.event.eventId,
          occurredAt: new Date(),
          producer: TEST_WORKER,
        }),
      )

      const error = yield* Effect.flip(repository.update(start.job, "PENDING", start.event))

      expect(error._tag).toBe("RepositoryError")
      expect(error.message).toBe("database rejected the change: a constraint was violated")
      expect(Option.getOrThrow(yield* repository.findById(creation.job.id))).toEqual(creation.job)
      expect(yield* repository.listEvents(creation.job.id)).toEqual([creation.event])
      expect(logs.lines.filter((line) => line.includes('operation="update job"'))).toHaveLength(1)
    }),
  )

  testWithLogs("a failing event insert rolls back the job insert", (logs) =>
    Effect.gen(function* () {
      const repository = yield* JobRepository
      const first = created()
      yield* repository.insert(first.job, first.event)
      const second = created()
      const clashing = Job.create(
        { id: second.job.id, name: second.job.name, durationSeconds: second.job.durationSeconds },
        { eventId: first.event.eventId, occurredAt: new Date(), producer: "api" },
      )

      const error = yield* Effect.flip(repository.insert(clashing.job, clashing.event))

      expect(error._tag).toBe("RepositoryError")
      expect(error.message).not.toContain("already exists")
      expect(Option.isNone(yield* repository.findById(second.job.id))).toBe(true)
      expect(yield* repository.listEvents(second.job.id)).toEqual([])
      expect(logs.lines.filter((line) => line.includes('operation="insert job"'))).toHaveLength(1)
    }),
  )

  test(
    "search and counts can use the trigram index on lower(name)",
    Effect.gen(function* () {
      const repository = yield* JobRepository
      const sql = yield* SqlClient.SqlClient
      const creation = created({ name: "Nightly Report" })
      yield* repository.insert(creation.job, creation.event)
      const search = JobSearch.make("REPORT")
      const readIndexScans = Effect.zipRight(
        sql`SELECT pg_stat_clear_snapshot()`,
        sql<{ readonly scans: number }>`
          SELECT idx_scan::int AS scans FROM pg_stat_user_indexes
          WHERE indexrelname = 'jobs_name_trigrams'
        `,
      )
      const before = yield* readIndexScans

      // With sequential and plain index scans off, only a bitmap scan of an index that the
      // condition matches avoids a sequential scan. So even a few rows show whether the
      // query's text fits the index expression. The forced flush publishes this
      // connection's statistics when the transaction ends.
      const [page, counts] = yield* Effect.gen(function* () {
        yield* sql`SET LOCAL enable_seqscan = off`
        yield* sql`SET LOCAL enable_indexscan = off`
        const page = yield* repository.list({ search, limit: 10 })
        const counts = yield* repository.countByStatus(search)
        yield* sql`SELECT pg_stat_force_next_flush()`
        return [page, counts] as const
      }).pipe(sql.withTransaction)
      const after = yield* readIndexScans

      expect(page.items.map((job) => job.id)).toEqual([creation.job.id])
      expect(counts.PENDING).toBe(1)
      expect((after[0]?.scans ?? 0) - (before[0]?.scans ?? 0)).toBe(2)
    }),
  )

  test(
    "job_events rows hold the wire envelope and its header columns",
    Effect.gen(function* () {
      const repository = yield* JobRepository
      const sql = yield* SqlClient.SqlClient
      const job = created()
      yield* repository.insert(job.job, job.event)

      const rows = yield* sql<{
        readonly eventId: string
        readonly jobId: string
        readonly jobVersion: number
        readonly eventType: string
        readonly occurredAt: Date
        readonly producer: string
        readonly envelope: string
      }>`
        SELECT event_id, job_id, job_version, event_type, occurred_at, producer,
          envelope::text AS envelope
        FROM job_events
      `

      expect(rows).toHaveLength(1)
      const [row] = rows
      expect(row?.eventId).toBe(job.event.eventId)
      expect(row?.jobId).toBe(job.job.id)
      expect(row?.jobVersion).toBe(1)
      expect(row?.eventType).toBe("JobCreated")
      expect(row?.occurredAt).toEqual(job.event.occurredAt)
      expect(row?.producer).toBe(job.event.producer)
      expect(JSON.parse(row?.envelope ?? "null")).toEqual(JSON.parse(encodeEventJson(job.event)))
    }),
  )

  test(
    "heartbeat stores the time in heartbeat_at and a transition clears it",
    Effect.gen(function* () {
      const repository = yield* JobRepository
      const sql = yield* SqlClient.SqlClient
      const creation = created()
      yield* repository.insert(creation.job, creation.event)
      const start = Either.getOrThrow(
        Job.start(creation.job, TEST_WORKER, {
          eventId: crypto.randomUUID(),
          occurredAt: new Date(creation.job.createdAt.getTime() + 1000),
          producer: TEST_WORKER,
        }),
      )
      yield* repository.update(start.job, "PENDING", start.event)
      const beatAt = new Date(creation.job.createdAt.getTime() + 5123)
      const readBeat = sql<{ readonly heartbeatAt: Date | null }>`
        SELECT heartbeat_at FROM jobs WHERE id = ${creation.job.id}
      `

      yield* repository.heartbeat(creation.job.id, TEST_WORKER, beatAt)
      const afterBeat = yield* readBeat
      const release = Either.getOrThrow(
        Job.release(start.job, "test release", {
          eventId: crypto.randomUUID(),
          occurredAt: new Date(beatAt.getTime() + 1000),
          producer: TEST_WORKER,
        }),
      )
      yield* repository.update(release.job, "RUNNING", release.event)
      const afterRelease = yield* readBeat

      expect(afterBeat).toEqual([{ heartbeatAt: beatAt }])
      expect(afterRelease).toEqual([{ heartbeatAt: null }])
    }),
  )
})

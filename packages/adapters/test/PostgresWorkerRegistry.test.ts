import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { RepositoryError, Worker, WorkerRegistry } from "@jobs/domain"
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Postgres, PostgresWorkerRegistry } from "../src/index"
import { workerRegistryContract } from "./contract/WorkerRegistryContract"
import { createTestDatabase, dropTestDatabase, newTestDatabase } from "./support/TestDatabase"
import { captureLogs, warningsOnly } from "./support/TestLogs"

const database = newTestDatabase()

beforeAll(() => createTestDatabase({ database, migrate: true }))
afterAll(() => dropTestDatabase(database))

// Every test starts from an empty table, like the in-memory adapter's fresh Ref.
const emptyTable = Layer.effectDiscard(
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`TRUNCATE workers`),
)

const registryLayer = PostgresWorkerRegistry.layer.pipe(
  Layer.provide(emptyTable),
  Layer.provideMerge(Postgres.layer({ url: database.redactedUrl })),
)

workerRegistryContract("PostgresWorkerRegistry", registryLayer)

describe("PostgresWorkerRegistry on PostgreSQL", () => {
  const test = (
    title: string,
    body: Effect.Effect<void, unknown, WorkerRegistry | SqlClient.SqlClient>,
  ) =>
    it.live(title, () =>
      body.pipe(Effect.provide(Layer.fresh(registryLayer)), Effect.provide(warningsOnly)),
    )

  const startedAt = new Date("2024-05-01T10:20:30.123Z")

  const insertRaw = (stoppedAt: Date | null, stopReason: string | null, concurrency = 1) =>
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`
        INSERT INTO workers (id, host, pid, concurrency, started_at, last_heartbeat_at,
          stopped_at, stop_reason)
        VALUES ('worker-raw', 'host', 1, ${concurrency}, ${startedAt}, ${startedAt},
          ${stoppedAt}, ${stopReason})
      `,
    )

  test(
    "the table refuses a stop time without a reason, and a reason without a stop time",
    Effect.gen(function* () {
      const timeOnly = yield* Effect.flip(insertRaw(startedAt, null))
      const reasonOnly = yield* Effect.flip(insertRaw(null, "lost"))

      expect(String(timeOnly.cause)).toContain("workers_stop_fields_together")
      expect(String(reasonOnly.cause)).toContain("workers_stop_fields_together")
    }),
  )

  test(
    "the table refuses an unknown stop reason and a concurrency below 1",
    Effect.gen(function* () {
      const unknownReason = yield* Effect.flip(insertRaw(startedAt, "crashed"))
      const noSlots = yield* Effect.flip(insertRaw(null, null, 0))

      expect(String(unknownReason.cause)).toContain("workers_stop_reason_known")
      expect(String(noSlots.cause)).toContain("workers_concurrency_positive")
    }),
  )

  it.live("a row that does not decode fails with a RepositoryError naming a worker", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const registry = yield* WorkerRegistry
      const sql = yield* SqlClient.SqlClient
      // Only a row that breaks a CHECK can fail to decode, so the check is dropped inside a
      // transaction. The body ends by failing with what it found, which rolls everything back.
      const found = yield* Effect.gen(function* () {
        yield* sql`ALTER TABLE workers DROP CONSTRAINT workers_stop_reason_known`
        yield* insertRaw(startedAt, "crashed")
        const error = yield* Effect.flip(registry.findById("worker-raw"))
        return yield* Effect.fail(error)
      }).pipe(sql.withTransaction, Effect.flip)

      expect(found).toEqual(
        new RepositoryError({ message: "database returned a worker that could not be decoded" }),
      )
      expect(yield* sql`SELECT id FROM workers`).toEqual([])
      const warnings = logs.lines.filter((line) => line.includes('operation="find worker"'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("crashed")
    }).pipe(Effect.provide(Layer.fresh(registryLayer)), Effect.provide(logs.layer))
  })

  test(
    "the stored row keeps millisecond timestamps and the stop columns",
    Effect.gen(function* () {
      const registry = yield* WorkerRegistry
      const sql = yield* SqlClient.SqlClient
      const { worker } = Worker.start(
        { host: "box", pid: 9, concurrency: 3 },
        { eventId: crypto.randomUUID(), occurredAt: startedAt, producer: "worker-rows" },
      )
      yield* registry.register(worker)
      const stoppedAt = new Date(startedAt.getTime() + 4_567)
      const stopped = Option.getOrThrow(
        Worker.stop(worker, "shutdown", {
          eventId: crypto.randomUUID(),
          occurredAt: stoppedAt,
          producer: "worker-rows",
        }),
      ).worker
      yield* registry.markStopped(stopped)

      const rows = yield* sql`
        SELECT id, host, pid, concurrency, started_at, last_heartbeat_at, stopped_at, stop_reason
        FROM workers
      `

      expect(rows).toEqual([
        {
          id: "worker-rows",
          host: "box",
          pid: 9,
          concurrency: 3,
          startedAt,
          lastHeartbeatAt: startedAt,
          stoppedAt,
          stopReason: "shutdown",
        },
      ])
    }),
  )
})

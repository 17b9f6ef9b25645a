/**
 * WorkerRegistry on PostgreSQL, in the `workers` table. Rows are decoded into the Worker
 * aggregate with Schema, and driver failures become RepositoryError. Every conditional write
 * (heartbeat, markStopped) is a single UPDATE whose WHERE clause carries the condition, so
 * two processes racing on the same worker cannot both succeed.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { RepositoryError, Worker, WorkerRegistry, type WorkerRegistryShape } from "@jobs/domain"
import { Effect, Layer, type ParseResult, Schema } from "effect"
import { toRepositoryError } from "./PostgresErrors"

// A `workers` row as the driver returns it, columns renamed to camelCase. timestamptz values
// arrive as Date objects rather than ISO strings, hence DateFromSelf.
const WorkerRow = Schema.Struct({
  ...Worker.Worker.fields,
  startedAt: Schema.DateFromSelf,
  lastHeartbeatAt: Schema.DateFromSelf,
  stoppedAt: Schema.NullOr(Schema.DateFromSelf),
})

/** A Worker read from a row, or written as one. */
const WorkerFromRow = Schema.transform(WorkerRow, Schema.typeSchema(Worker.Worker), {
  strict: true,
  decode: (row) => new Worker.Worker(row),
  encode: (worker) => ({ ...worker }),
})

const HeartbeatRequest = Schema.Struct({ id: Schema.String, at: Schema.DateFromSelf })

const SilentRequest = Schema.Struct({ before: Schema.DateFromSelf, limit: Schema.Int })

const IdRow = Schema.Struct({ id: Schema.String })

/**
 * Like toRepositoryError, except that a row that fails to decode is described as a worker:
 * the shared helper's message names a job.
 */
const toRegistryError =
  (operation: string) =>
  (error: SqlError | ParseResult.ParseError): Effect.Effect<never, RepositoryError> =>
    toRepositoryError(operation)(error).pipe(
      Effect.mapError((mapped) =>
        error._tag === "ParseError"
          ? new RepositoryError({ message: "database returned a worker that could not be decoded" })
          : mapped,
      ),
    )

export const make: Effect.Effect<WorkerRegistryShape, never, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient

    // A restart under the same id replaces every column, which also clears stopped_at and
    // stop_reason: the new process is a running worker whatever happened to the old one.
    const upsertRow = SqlSchema.void({
      Request: WorkerFromRow,
      execute: (row) => sql`
        INSERT INTO workers ${sql.insert(row)}
        ON CONFLICT (id) DO UPDATE SET
          host = EXCLUDED.host,
          pid = EXCLUDED.pid,
          concurrency = EXCLUDED.concurrency,
          started_at = EXCLUDED.started_at,
          last_heartbeat_at = EXCLUDED.last_heartbeat_at,
          stopped_at = EXCLUDED.stopped_at,
          stop_reason = EXCLUDED.stop_reason
      `,
    })

    const beatRow = SqlSchema.findAll({
      Request: HeartbeatRequest,
      Result: IdRow,
      execute: ({ id, at }) => sql`
        UPDATE workers SET last_heartbeat_at = ${at}
        WHERE id = ${id} AND stopped_at IS NULL
        RETURNING id
      `,
    })

    const findRow = SqlSchema.findOne({
      Request: Schema.String,
      Result: WorkerFromRow,
      execute: (id) => sql`SELECT * FROM workers WHERE id = ${id}`,
    })

    // Of two concurrent calls, the second waits for the first one's row lock, then re-checks
    // `stopped_at IS NULL` against the committed row, finds it set and updates nothing. The
    // started_at condition leaves alone a worker that restarted under the same id after the
    // caller read it.
    const stopRow = SqlSchema.findAll({
      Request: WorkerFromRow,
      Result: IdRow,
      execute: (row) => sql`
        UPDATE workers SET stopped_at = ${row.stoppedAt}, stop_reason = ${row.stopReason}
        WHERE id = ${row.id} AND started_at = ${row.startedAt} AND stopped_at IS NULL
        RETURNING id
      `,
    })

    // The WHERE clause matches the partial index workers_running_last_heartbeat. Ids are
    // compared byte by byte (COLLATE "C"), so ties are ordered the same whatever the
    // database's locale, and the same as in the in-memory adapter.
    const silentRows = SqlSchema.findAll({
      Request: SilentRequest,
      Result: WorkerFromRow,
      execute: ({ before, limit }) => sql`
        SELECT * FROM workers
        WHERE stopped_at IS NULL AND last_heartbeat_at < ${before}::timestamptz
        ORDER BY last_heartbeat_at, id COLLATE "C"
        LIMIT ${limit}
      `,
    })

    // A full scan: the table has one row per worker id ever used, a handful in practice.
    const listRows = SqlSchema.findAll({
      Request: Schema.DateFromSelf,
      Result: WorkerFromRow,
      execute: (seenSince) => sql`
        SELECT * FROM workers
        WHERE stopped_at IS NULL OR last_heartbeat_at >= ${seenSince}::timestamptz
        ORDER BY started_at DESC, id COLLATE "C" DESC
      `,
    })

    return WorkerRegistry.of({
      register: (worker) =>
        upsertRow(worker).pipe(Effect.catchAll(toRegistryError("register worker"))),

      heartbeat: (id, at) =>
        beatRow({ id, at }).pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.catchAll(toRegistryError("record worker heartbeat")),
        ),

      findById: (id) => findRow(id).pipe(Effect.catchAll(toRegistryError("find worker"))),

      markStopped: (stopped) =>
        stopRow(stopped).pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.catchAll(toRegistryError("mark worker stopped")),
        ),

      findSilent: (before, limit) =>
        silentRows({ before, limit }).pipe(Effect.catchAll(toRegistryError("find silent workers"))),

      list: (seenSince) =>
        listRows(seenSince).pipe(Effect.catchAll(toRegistryError("list workers"))),
    })
  },
)

/** WorkerRegistry over the SqlClient in context (see Postgres.layer), on the `workers` table. */
export const layer: Layer.Layer<WorkerRegistry, never, SqlClient.SqlClient> = Layer.effect(
  WorkerRegistry,
  make,
)

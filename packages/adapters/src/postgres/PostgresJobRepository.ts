/**
 * JobRepository on PostgreSQL. Rows are decoded into the Job aggregate with Schema, and
 * driver failures become RepositoryError. A write that changes a job stores the job row and
 * appends the event to `job_events` in one transaction.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import {
  Job,
  type JobEvent,
  JobEventJson,
  JobId,
  JobRepository,
  type JobRepositoryShape,
  JobSearch,
  JobStatus,
  type JobStatusCounts,
  RepositoryError,
  searchedJobId,
  zeroStatusCounts,
} from "@jobs/domain"
import { Effect, Layer, Option, Schema } from "effect"
import { isUniqueViolation, toRepositoryError } from "./PostgresErrors"

// A `jobs` row as the driver returns it, columns renamed to camelCase. timestamptz values
// arrive as Date objects rather than ISO strings, hence DateFromSelf. The adapter-only
// column heartbeat_at is not a field of Job, so decoding drops it.
const JobRow = Schema.Struct({
  ...Job.Job.fields,
  createdAt: Schema.DateFromSelf,
  startedAt: Schema.NullOr(Schema.DateFromSelf),
  finishedAt: Schema.NullOr(Schema.DateFromSelf),
})

/** A Job read from a row, or written as one. */
const JobFromRow = Schema.transform(JobRow, Schema.typeSchema(Job.Job), {
  strict: true,
  decode: (row) => new Job.Job(row),
  encode: (job) => ({ ...job }),
})

const ListRequest = Schema.Struct({
  status: Schema.optional(JobStatus),
  search: Schema.optional(Schema.typeSchema(JobSearch)),
  limit: Schema.Int,
  after: Schema.optional(Schema.Struct({ createdAt: Schema.DateFromSelf, id: JobId })),
})

const CountRow = Schema.Struct({ status: JobStatus, count: Schema.Int })

/**
 * Escapes the LIKE wildcards `%` and `_`, and the escape character `\` itself, so that
 * each matches only itself. Backslash is LIKE's escape character unless ESCAPE names another.
 */
const escapeLikePattern = (text: string): string => text.replace(/[\\%_]/g, "\\$&")

const UpdateRequest = Schema.Struct({ next: JobFromRow, expected: JobStatus })

const StaleRequest = Schema.Struct({ before: Schema.DateFromSelf, limit: Schema.Int })

const HeartbeatRequest = Schema.Struct({
  id: JobId,
  workerId: Schema.String,
  at: Schema.DateFromSelf,
})

// The envelope is read as text and parsed here. Read as jsonb, the client would rename its
// snake_case keys to camelCase like column names, and the envelope would no longer decode.
const EventRow = Schema.Struct({ envelope: JobEventJson })

// A `job_events` row to insert. `envelope` is the wire envelope as JSON text, which
// PostgreSQL parses into the jsonb column. The other columns copy envelope fields so that
// the log can be queried without opening the envelope.
const NewEventRow = Schema.Struct({
  eventId: Schema.String,
  jobId: JobId,
  jobVersion: Schema.Int,
  eventType: Schema.String,
  occurredAt: Schema.DateFromSelf,
  producer: Schema.String,
  envelope: Schema.String,
})

const encodeEnvelope = Schema.encode(JobEventJson)

/** Builds the counts from the GROUP BY status rows, with 0 for each status that has no row. */
const toStatusCounts = (rows: ReadonlyArray<typeof CountRow.Type>): JobStatusCounts => {
  const counts = zeroStatusCounts()
  for (const row of rows) {
    counts[row.status] = row.count
  }
  return counts
}

export const make: Effect.Effect<JobRepositoryShape, never, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient

    const insertRow = SqlSchema.void({
      Request: JobFromRow,
      execute: (row) => sql`INSERT INTO jobs ${sql.insert(row)}`,
    })

    const findRow = SqlSchema.findOne({
      Request: JobId,
      Result: JobFromRow,
      execute: (id) => sql`SELECT * FROM jobs WHERE id = ${id}`,
    })

    // lower(name) is written exactly as in the index jobs_name_trigrams, so that the planner
    // can use it. PostgreSQL lowercases the search text too, by the same rules as the name.
    // The ::text cast picks lower(text) among the overloads of lower().
    const searchCondition = (search: JobSearch) => {
      const nameContains = sql`lower(name) LIKE '%' || lower(${escapeLikePattern(search)}::text) || '%'`
      return Option.match(searchedJobId(search), {
        onNone: () => nameContains,
        onSome: (id) => sql`(${nameContains} OR id = ${id}::uuid)`,
      })
    }

    // Keyset pagination: the row comparison continues strictly after the cursor in the
    // (created_at DESC, id DESC) order, so equal created_at values are neither skipped nor
    // repeated. The one row fetched past the limit shows whether another page exists.
    const listRows = SqlSchema.findAll({
      Request: ListRequest,
      Result: JobFromRow,
      execute: ({ status, search, limit, after }) => {
        const conditions = [
          ...(status === undefined ? [] : [sql`status = ${status}`]),
          ...(search === undefined ? [] : [searchCondition(search)]),
          ...(after === undefined
            ? []
            : [sql`(created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`]),
        ]
        return sql`
          SELECT * FROM jobs
          WHERE ${sql.and(conditions)}
          ORDER BY created_at DESC, id DESC
          LIMIT ${limit + 1}
        `
      },
    })

    // The index jobs_by_status_newest_first, read backwards, serves this order.
    const oldestPendingRows = SqlSchema.findAll({
      Request: Schema.Int,
      Result: JobFromRow,
      execute: (limit) => sql`
        SELECT * FROM jobs
        WHERE status = 'PENDING'
        ORDER BY created_at ASC, id ASC
        LIMIT ${limit}
      `,
    })

    // NOTE: an exact count reads every job, or every match of the search, so its time grows
    // with the table: 25-55 ms without a search at 100,000 jobs, measured with psql on a
    // shared 2-CPU machine. A counter table kept by triggers would make it constant.
    const countRows = SqlSchema.findAll({
      Request: Schema.UndefinedOr(Schema.typeSchema(JobSearch)),
      Result: CountRow,
      execute: (search) => sql`
        SELECT status, count(*)::int AS count FROM jobs
        WHERE ${search === undefined ? sql`true` : searchCondition(search)}
        GROUP BY status
      `,
    })

    // The status check and the write are one statement. Of two concurrent updates, the
    // second waits for the first one's row lock, then re-checks its WHERE clause against the
    // committed row, finds another status and updates nothing. Every transition clears
    // heartbeat_at, so a later run of the job is never judged by an earlier run's beats.
    const updateRow = SqlSchema.findOne({
      Request: UpdateRequest,
      Result: JobFromRow,
      execute: ({ next, expected }) => sql`
        UPDATE jobs SET ${sql.update(next, ["id"])}, heartbeat_at = NULL
        WHERE id = ${next.id} AND status = ${expected}
        RETURNING *
      `,
    })

    const insertEventRow = SqlSchema.void({
      Request: NewEventRow,
      execute: (row) => sql`INSERT INTO job_events ${sql.insert(row)}`,
    })

    const appendEvent = (event: JobEvent) =>
      encodeEnvelope(event).pipe(
        Effect.flatMap((envelope) =>
          insertEventRow({
            eventId: event.eventId,
            jobId: event.jobId,
            jobVersion: event.jobVersion,
            eventType: event._tag,
            occurredAt: event.occurredAt,
            producer: event.producer,
            envelope,
          }),
        ),
      )

    const eventRows = SqlSchema.findAll({
      Request: JobId,
      Result: EventRow,
      execute: (id) => sql`
        SELECT envelope::text AS envelope FROM job_events
        WHERE job_id = ${id}
        ORDER BY job_version
      `,
    })

    const beatRow = SqlSchema.findAll({
      Request: HeartbeatRequest,
      Result: Schema.Struct({ id: JobId }),
      execute: ({ id, workerId, at }) => sql`
        UPDATE jobs SET heartbeat_at = ${at}
        WHERE id = ${id} AND status = 'RUNNING' AND worker_id = ${workerId}
        RETURNING id
      `,
    })

    // coalesce(heartbeat_at, started_at) is written exactly as in the index
    // jobs_running_last_seen, so that the planner can use it.
    const staleRows = SqlSchema.findAll({
      Request: StaleRequest,
      Result: JobFromRow,
      execute: ({ before, limit }) => sql`
        SELECT * FROM jobs
        WHERE status = 'RUNNING' AND coalesce(heartbeat_at, started_at) < ${before}::timestamptz
        ORDER BY coalesce(heartbeat_at, started_at), id
        LIMIT ${limit}
      `,
    })

    const insertJob = (job: Job.Job) =>
      insertRow(job).pipe(
        Effect.catchTag(
          "SqlError",
          (error): Effect.Effect<never, RepositoryError | SqlError> =>
            isUniqueViolation(error)
              ? Effect.fail(
                  new RepositoryError({ message: `a job with id ${job.id} already exists` }),
                )
              : Effect.fail(error),
        ),
      )

    return JobRepository.of({
      insert: (job, event) =>
        insertJob(job).pipe(
          Effect.zipRight(appendEvent(event)),
          sql.withTransaction,
          Effect.catchTags({
            SqlError: toRepositoryError("insert job"),
            ParseError: toRepositoryError("insert job"),
          }),
        ),

      findById: (id) => findRow(id).pipe(Effect.catchAll(toRepositoryError("find job"))),

      list: (query) =>
        listRows(query).pipe(
          Effect.map((rows) => {
            const items = rows.slice(0, query.limit)
            const last = items.at(-1)
            const next =
              rows.length > query.limit && last !== undefined
                ? { createdAt: last.createdAt, id: last.id }
                : null
            return { items, next }
          }),
          Effect.catchAll(toRepositoryError("list jobs")),
        ),

      oldestPending: (limit) =>
        oldestPendingRows(limit).pipe(Effect.catchAll(toRepositoryError("list pending jobs"))),

      countByStatus: (search) =>
        countRows(search).pipe(
          Effect.map(toStatusCounts),
          Effect.catchAll(toRepositoryError("count jobs")),
        ),

      // The event is appended only when the conditional update matched the row, so an
      // update that lost the race leaves the log unchanged.
      update: (next, expected, event) =>
        updateRow({ next, expected }).pipe(
          Effect.tap((stored) => (stored._tag === "Some" ? appendEvent(event) : Effect.void)),
          sql.withTransaction,
          Effect.catchAll(toRepositoryError("update job")),
        ),

      listEvents: (id) =>
        eventRows(id).pipe(
          Effect.map((rows) => rows.map((row) => row.envelope)),
          Effect.catchAll(toRepositoryError("list job events")),
        ),

      heartbeat: (id, workerId, at) =>
        beatRow({ id, workerId, at }).pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.catchAll(toRepositoryError("record heartbeat")),
        ),

      findStale: (before, limit) =>
        staleRows({ before, limit }).pipe(Effect.catchAll(toRepositoryError("find stale jobs"))),
    })
  },
)

/**
 * JobRepository over the SqlClient in context (see Postgres.layer), on the `jobs` and
 * `job_events` tables.
 */
export const layer: Layer.Layer<JobRepository, never, SqlClient.SqlClient> = Layer.effect(
  JobRepository,
  make,
)

/**
 * JobRepository on PostgreSQL. Rows are decoded into the Job aggregate with Schema, and
 * driver failures become RepositoryError. A write that changes a job stores the job row and
 * appends the event to `job_events` in one transaction.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import {
  Job,
  type JobChange,
  type JobEvent,
  JobEventJson,
  JobId,
  JobRepository,
  type JobRepositoryShape,
  JobSearch,
  JobStatus,
  type JobStatusCounts,
  type NewJob,
  RepositoryError,
  searchedJobId,
  zeroStatusCounts,
} from "@jobs/domain"
import { Effect, Layer, Option, Schema } from "effect"
import * as BatchedJobRepository from "../batching/BatchedJobRepository"
import { toRepositoryError, violates } from "./PostgresErrors"

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
  // The row was checked field by field just now, so the class need not check it again.
  decode: (row) => new Job.Job(row, true),
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

const StaleRequest = Schema.Struct({ before: Schema.DateFromSelf, limit: Schema.Int })

const HeartbeatRequest = Schema.Struct({
  id: JobId,
  workerId: Schema.String,
  at: Schema.DateFromSelf,
})

// The envelope is read as text and parsed here. Read as jsonb, the client would rename its
// snake_case keys to camelCase like column names, and the envelope would no longer decode.
const EventRow = Schema.Struct({ envelope: JobEventJson })

const encodeEnvelope = Schema.encode(JobEventJson)

// The columns of one element of the JSON array that insertJobs and updateJobs send: a job
// row and its event's row. Timestamps travel as ISO 8601 text, and the envelope as JSON
// text that PostgreSQL parses into the jsonb column. The event's row copies envelope fields
// so that the log can be queried without opening the envelope. Its job id and version are
// taken from the job, because the domain's transitions give the event the same ones.
const JOB_AND_EVENT_COLUMNS = `
  id uuid, name text, duration_seconds integer, status text, created_at timestamptz,
  started_at timestamptz, finished_at timestamptz, worker_id text, rerun_of uuid,
  version integer, event_id uuid, event_type text, occurred_at timestamptz, producer text,
  envelope text`

const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString())

/** One element of that JSON array. */
const encodeJobAndEvent = (job: Job.Job, event: JobEvent) =>
  Effect.map(encodeEnvelope(event), (envelope) => ({
    id: job.id,
    name: job.name,
    duration_seconds: job.durationSeconds,
    status: job.status,
    created_at: job.createdAt.toISOString(),
    started_at: isoOrNull(job.startedAt),
    finished_at: isoOrNull(job.finishedAt),
    worker_id: job.workerId,
    rerun_of: job.rerunOf,
    version: job.version,
    event_id: event.eventId,
    event_type: event._tag,
    occurred_at: event.occurredAt.toISOString(),
    producer: event.producer,
    envelope,
  }))

/** The message of a failed insert on a duplicate id, naming the id when there was one job. */
const duplicateMessage = (added: ReadonlyArray<NewJob>): string =>
  added.length === 1 && added[0] !== undefined
    ? `a job with id ${added[0].job.id} already exists`
    : `one of ${added.length} jobs has an id that already exists`

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

    // Each job's row and event travel as one JSON array, so that a batch of any size is one
    // statement and one round trip. A statement is atomic: the job rows and their events are
    // stored together or not at all, without BEGIN and COMMIT. The events are read through
    // `inserted`, so the jobs are inserted first, and a duplicate id fails on jobs_pkey rather
    // than on the log's one-event-per-version constraint.
    const insertJobs = (added: ReadonlyArray<NewJob>) =>
      Effect.forEach(added, ({ job, event }) => encodeJobAndEvent(job, event)).pipe(
        Effect.flatMap(
          (rows) => sql`
            WITH input AS (
              SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS input(${sql.literal(JOB_AND_EVENT_COLUMNS)})
            ), inserted AS (
              INSERT INTO jobs (id, name, duration_seconds, status, created_at, started_at,
                                finished_at, worker_id, rerun_of, version)
              SELECT id, name, duration_seconds, status, created_at, started_at,
                     finished_at, worker_id, rerun_of, version
              FROM input
              RETURNING id
            )
            INSERT INTO job_events (event_id, job_id, job_version, event_type, occurred_at,
                                    producer, envelope)
            SELECT event_id, id, version, event_type, occurred_at, producer, envelope::jsonb
            FROM input JOIN inserted USING (id)
          `,
        ),
      )

    // The condition and the write are one statement. Of two concurrent updates of a job, the
    // second waits for the first one's row lock, then re-checks its WHERE clause against the
    // committed row, finds another version and updates nothing. Every transition clears
    // heartbeat_at, so a later run of the job is never judged by an earlier run's beats. An
    // event is appended only for a row that was updated, so a change that lost the race
    // leaves the log unchanged. Changes are sent in id order, so that two batches lock the
    // rows they share in the same order.
    const updateJobs = (changes: ReadonlyArray<JobChange>) =>
      Effect.forEach(
        [...changes].sort((a, b) => a.next.id.localeCompare(b.next.id)),
        ({ next, expected, event }) =>
          encodeJobAndEvent(next, event).pipe(Effect.map((fields) => ({ ...fields, expected }))),
      ).pipe(
        Effect.flatMap(
          (rows) => sql<{ readonly id: string }>`
            WITH input AS (
              SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
                AS input(${sql.literal(JOB_AND_EVENT_COLUMNS)}, expected text)
            ), updated AS (
              UPDATE jobs SET
                name = input.name, duration_seconds = input.duration_seconds,
                status = input.status, created_at = input.created_at,
                started_at = input.started_at, finished_at = input.finished_at,
                worker_id = input.worker_id, rerun_of = input.rerun_of,
                version = input.version, heartbeat_at = NULL
              FROM input
              WHERE jobs.id = input.id AND jobs.status = input.expected
                AND jobs.version = input.version - 1
              RETURNING jobs.id
            ), logged AS (
              INSERT INTO job_events (event_id, job_id, job_version, event_type, occurred_at,
                                      producer, envelope)
              SELECT event_id, id, version, event_type, occurred_at, producer, envelope::jsonb
              FROM input JOIN updated USING (id)
            )
            SELECT id FROM updated
          `,
        ),
        Effect.map((rows) => {
          const storedIds = new Set(rows.map((row) => row.id))
          return changes.flatMap(({ next }) => (storedIds.has(next.id) ? [next] : []))
        }),
      )

    const findRows = SqlSchema.findAll({
      Request: Schema.Array(JobId),
      Result: JobFromRow,
      execute: (ids) =>
        sql`SELECT * FROM jobs WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)`,
    })

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

    const insertMany = (added: ReadonlyArray<NewJob>) =>
      insertJobs(added).pipe(
        Effect.catchTag(
          "SqlError",
          (error): Effect.Effect<never, RepositoryError | SqlError> =>
            // The same statement also inserts events, whose ids must be unique too.
            violates(error, "jobs_pkey")
              ? Effect.fail(new RepositoryError({ message: duplicateMessage(added) }))
              : Effect.fail(error),
        ),
        Effect.asVoid,
        Effect.catchTags({
          SqlError: toRepositoryError("insert job"),
          ParseError: toRepositoryError("insert job"),
        }),
      )

    const updateMany = (changes: ReadonlyArray<JobChange>) =>
      updateJobs(changes).pipe(Effect.catchAll(toRepositoryError("update job")))

    return JobRepository.of({
      insert: (job, event) => insertMany([{ job, event }]),

      insertMany,

      findById: (id) => findRow(id).pipe(Effect.catchAll(toRepositoryError("find job"))),

      findByIds: (ids) =>
        ids.length === 0
          ? Effect.succeed([])
          : findRows(ids).pipe(Effect.catchAll(toRepositoryError("find jobs"))),

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

      update: (next, expected, event) =>
        updateMany([{ next, expected, event }]).pipe(
          Effect.map((stored) => Option.fromNullable(stored[0])),
        ),

      updateMany: (changes) => (changes.length === 0 ? Effect.succeed([]) : updateMany(changes)),

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
 * `job_events` tables. Concurrent inserts, reads by id and updates go to the database in
 * batches (see BatchedJobRepository).
 */
export const layer: Layer.Layer<JobRepository, never, SqlClient.SqlClient> = Layer.scoped(
  JobRepository,
  Effect.flatMap(make, BatchedJobRepository.make),
)

/** The same repository without batching: one statement per call. */
export const layerUnbatched: Layer.Layer<JobRepository, never, SqlClient.SqlClient> = Layer.effect(
  JobRepository,
  make,
)

/**
 * JobRepository on PostgreSQL. Each method is one SQL statement; rows are decoded into
 * the Job aggregate with Schema, and driver failures become RepositoryError.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import {
  Job,
  JobId,
  JobRepository,
  type JobRepositoryShape,
  JobStatus,
  RepositoryError,
} from "@jobs/domain"
import { Effect, Layer, Schema } from "effect"
import { isUniqueViolation, toRepositoryError } from "./PostgresErrors"

// A `jobs` row as the driver returns it, columns renamed to camelCase. timestamptz values
// arrive as Date objects rather than ISO strings, hence DateFromSelf.
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
  limit: Schema.Int,
  after: Schema.optional(Schema.Struct({ createdAt: Schema.DateFromSelf, id: JobId })),
})

const UpdateRequest = Schema.Struct({ next: JobFromRow, expected: JobStatus })

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

    // Keyset pagination: the row comparison continues strictly after the cursor in the
    // (created_at DESC, id DESC) order, so equal created_at values are neither skipped nor
    // repeated. The one row fetched past the limit shows whether another page exists.
    const listRows = SqlSchema.findAll({
      Request: ListRequest,
      Result: JobFromRow,
      execute: ({ status, limit, after }) => {
        const conditions = [
          ...(status === undefined ? [] : [sql`status = ${status}`]),
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

    // The status check and the write are one statement. Of two concurrent updates, the
    // second waits for the first one's row lock, then re-checks its WHERE clause against the
    // committed row, finds another status and updates nothing.
    const updateRow = SqlSchema.findOne({
      Request: UpdateRequest,
      Result: JobFromRow,
      execute: ({ next, expected }) => sql`
        UPDATE jobs SET ${sql.update(next, ["id"])}
        WHERE id = ${next.id} AND status = ${expected}
        RETURNING *
      `,
    })

    return JobRepository.of({
      insert: (job) =>
        insertRow(job).pipe(
          Effect.catchAll((error) =>
            error._tag === "SqlError" && isUniqueViolation(error)
              ? Effect.fail(
                  new RepositoryError({ message: `a job with id ${job.id} already exists` }),
                )
              : toRepositoryError("insert job")(error),
          ),
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

      update: (next, expected) =>
        updateRow({ next, expected }).pipe(Effect.catchAll(toRepositoryError("update job"))),
    })
  },
)

/** JobRepository over the SqlClient in context (see Postgres.layer), on the `jobs` table. */
export const layer: Layer.Layer<JobRepository, never, SqlClient.SqlClient> = Layer.effect(
  JobRepository,
  make,
)

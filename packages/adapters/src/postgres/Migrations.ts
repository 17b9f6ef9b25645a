/**
 * Schema migrations, applied in order of their numeric prefix and recorded in
 * `effect_sql_migrations`. A migration that has run is never edited: a change to the
 * schema is a new entry. That is also why the statuses below are written out instead of
 * being taken from the domain's JobStatus, which may grow later.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

const createJobs = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // timestamptz(3) keeps milliseconds, the precision of a JS Date. A cursor carries the
  // createdAt of a returned job, so a finer stored value would never compare equal to it.
  yield* sql`
    CREATE TABLE jobs (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      duration_seconds integer NOT NULL
        CONSTRAINT jobs_duration_seconds_range CHECK (duration_seconds BETWEEN 0 AND 30),
      status text NOT NULL
        CONSTRAINT jobs_status_known
        CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'CANCELLED', 'FAILED')),
      created_at timestamptz(3) NOT NULL,
      started_at timestamptz(3),
      finished_at timestamptz(3),
      version integer NOT NULL CONSTRAINT jobs_version_positive CHECK (version >= 1),
      -- A job cancelled while PENDING never started, so only CANCELLED may lack started_at
      -- once finished.
      CONSTRAINT jobs_timestamps_match_status CHECK (
        CASE status
          WHEN 'PENDING' THEN started_at IS NULL AND finished_at IS NULL
          WHEN 'RUNNING' THEN started_at IS NOT NULL AND finished_at IS NULL
          WHEN 'CANCELLED' THEN finished_at IS NOT NULL
          ELSE started_at IS NOT NULL AND finished_at IS NOT NULL
        END
      )
    )
  `

  // The list query reads newest first, either over all jobs or over one status, and
  // continues after a (created_at, id) cursor. Each index serves one of the two shapes.
  yield* sql`CREATE INDEX jobs_newest_first ON jobs (created_at DESC, id DESC)`
  yield* sql`
    CREATE INDEX jobs_by_status_newest_first ON jobs (status, created_at DESC, id DESC)
  `
})

/** Every migration by `<id>_<name>`, the form PgMigrator.fromRecord reads. */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "0001_create_jobs": createJobs,
}

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

// Written into worker_id of the jobs that were RUNNING when migration 2 ran. Their worker
// predates heartbeats, so it cannot be identified; the stale-job check fails these jobs.
const UNKNOWN_WORKER = "unknown"

const addEventLogAndHeartbeats = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // The event log: every event a job produced, in the envelope form sent on Redis. One
  // event per job version, so two writers of the same version cannot both log an event.
  // Jobs stored before this migration have no events for their earlier versions.
  yield* sql`
    CREATE TABLE job_events (
      event_id uuid PRIMARY KEY,
      job_id uuid NOT NULL REFERENCES jobs (id),
      job_version integer NOT NULL
        CONSTRAINT job_events_version_positive CHECK (job_version >= 1),
      event_type text NOT NULL,
      occurred_at timestamptz(3) NOT NULL,
      producer text NOT NULL,
      envelope jsonb NOT NULL,
      CONSTRAINT job_events_one_per_version UNIQUE (job_id, job_version)
    )
  `
  // The unique constraint's index (job_id, job_version) also serves reading one job's log
  // in version order, so the log needs no index of its own.

  // worker_id: the producer name of the worker running the job. heartbeat_at: the last
  // time that worker reported it was still running the job; NULL before the first report.
  yield* sql`ALTER TABLE jobs ADD COLUMN worker_id text, ADD COLUMN heartbeat_at timestamptz(3)`
  yield* sql`UPDATE jobs SET worker_id = ${UNKNOWN_WORKER} WHERE status = 'RUNNING'`

  // A job that ended keeps the id of the worker that ran it, and a job cancelled while
  // PENDING never had one, so only PENDING and RUNNING are constrained.
  yield* sql`
    ALTER TABLE jobs ADD CONSTRAINT jobs_worker_matches_status CHECK (
      CASE status
        WHEN 'PENDING' THEN worker_id IS NULL AND heartbeat_at IS NULL
        WHEN 'RUNNING' THEN worker_id IS NOT NULL
        ELSE true
      END
    )
  `

  // The stale-job query: RUNNING jobs ordered by their last sign of life. The expression
  // must match the query's text for the planner to use this index.
  yield* sql`
    CREATE INDEX jobs_running_last_seen ON jobs ((coalesce(heartbeat_at, started_at)))
    WHERE status = 'RUNNING'
  `
})

const addRerunOf = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // rerun_of: the finished job that this job re-runs, NULL for a job created directly.
  // Existing jobs get NULL. Jobs are never deleted, so the reference needs no ON DELETE rule.
  yield* sql`ALTER TABLE jobs ADD COLUMN rerun_of uuid REFERENCES jobs (id)`
})

const createWorkers = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // One row per worker process, keyed by its producer name (`worker-<id>`). A worker that
  // restarts under the same id overwrites its row, so the table does not grow with restarts.
  // Rows are never deleted: a stopped worker stays as a record of when and why it stopped.
  yield* sql`
    CREATE TABLE workers (
      id text PRIMARY KEY,
      host text NOT NULL,
      pid integer NOT NULL,
      concurrency integer NOT NULL
        CONSTRAINT workers_concurrency_positive CHECK (concurrency >= 1),
      started_at timestamptz(3) NOT NULL,
      last_heartbeat_at timestamptz(3) NOT NULL,
      stopped_at timestamptz(3),
      stop_reason text
        CONSTRAINT workers_stop_reason_known CHECK (stop_reason IN ('shutdown', 'lost')),
      -- A worker is either running (neither set) or stopped for a known reason (both set).
      CONSTRAINT workers_stop_fields_together CHECK ((stopped_at IS NULL) = (stop_reason IS NULL))
    )
  `

  // The lost-worker check (findSilent) runs every few seconds and reads only running
  // workers, oldest heartbeat first. A partial index contains just those rows, so it stays
  // small however many stopped workers pile up.
  yield* sql`
    CREATE INDEX workers_running_last_heartbeat ON workers (last_heartbeat_at)
    WHERE stopped_at IS NULL
  `
})

const addJobSearch = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // pg_trgm is one of PostgreSQL's contrib modules and a trusted extension since
  // PostgreSQL 13, so a database owner without superuser rights may create it too.
  yield* sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`

  // Serves the list's name search, `lower(name) LIKE '%text%'`: a trigram index finds
  // substrings anywhere in the name, which a B-tree cannot. The query must apply lower()
  // to name exactly like this for the planner to use the index.
  yield* sql`CREATE INDEX jobs_name_trigrams ON jobs USING gin (lower(name) gin_trgm_ops)`
})

/** Every migration by `<id>_<name>`, the form PgMigrator.fromRecord reads. */
export const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "0001_create_jobs": createJobs,
  "0002_add_event_log_and_heartbeats": addEventLogAndHeartbeats,
  "0003_add_rerun_of": addRerunOf,
  "0004_create_workers": createWorkers,
  "0005_add_job_search": addJobSearch,
}

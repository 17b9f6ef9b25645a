import { Context, type Effect, Option, Schema } from "effect"
import type { RepositoryError } from "../Errors"
import type { Job } from "../Job"
import type { JobCreated, JobEvent } from "../JobEvent"
import {
  type JobId,
  JobId as JobIdSchema,
  type JobSearch,
  type JobStatus,
  jobStatuses,
} from "../JobValues"

/** Position after the last job of a page, in the list's order (newest first). */
export const JobCursor = Schema.Struct({
  createdAt: Schema.Date,
  id: JobIdSchema,
})
export type JobCursor = typeof JobCursor.Type

/** The job id that the search text names, when the text is a UUID, otherwise None. */
export const searchedJobId = (search: JobSearch): Option.Option<JobId> =>
  Schema.decodeUnknownOption(JobIdSchema)(search).pipe(
    // Generated ids are lowercase, and PostgreSQL's uuid type ignores case anyway.
    Option.map((id) => JobIdSchema.make(id.toLowerCase())),
  )

export interface ListJobsQuery {
  readonly status?: JobStatus | undefined
  /** Only jobs that match this search text (see JobSearch). */
  readonly search?: JobSearch | undefined
  /** 1-100. */
  readonly limit: number
  readonly after?: JobCursor | undefined
}

/** Number of jobs in each status; every status is present, with 0 when no job has it. */
export type JobStatusCounts = Readonly<Record<JobStatus, number>>

/** A count of 0 for every status, for an adapter to add its counts to. */
export const zeroStatusCounts = (): Record<JobStatus, number> =>
  Object.fromEntries(jobStatuses.map((status) => [status, 0])) as Record<JobStatus, number>

/** One conditional change of a job, as `update` takes it: see `update` for its meaning. */
export interface JobChange {
  readonly next: Job
  readonly expected: JobStatus
  readonly event: JobEvent
}

/** A new job with its JobCreated event, as `insert` takes it. */
export interface NewJob {
  readonly job: Job
  readonly event: JobCreated
}

export interface JobPage {
  readonly items: ReadonlyArray<Job>
  /** Cursor of the last item when more items may follow, otherwise null. */
  readonly next: JobCursor | null
}

/**
 * Storage of jobs and of their event log. PostgreSQL in production, memory in fast
 * tests; both pass the same contract suite. Every write stores the job's new state
 * and the event that records it together, in one transaction: either both are
 * stored or neither is, so the event log never disagrees with the jobs.
 */
export interface JobRepositoryShape {
  /**
   * Stores a new job and its JobCreated event. Fails with RepositoryError if the store
   * fails, including on a duplicate id.
   */
  readonly insert: (job: Job, event: JobCreated) => Effect.Effect<void, RepositoryError>
  /**
   * Stores several new jobs with their events in one atomic step: all of them, or none when
   * one fails (a duplicate id, say).
   */
  readonly insertMany: (jobs: ReadonlyArray<NewJob>) => Effect.Effect<void, RepositoryError>
  /** Returns the job with this id, or None. */
  readonly findById: (id: JobId) => Effect.Effect<Option.Option<Job>, RepositoryError>
  /** Returns the jobs with these ids that exist, in no particular order. */
  readonly findByIds: (
    ids: ReadonlyArray<JobId>,
  ) => Effect.Effect<ReadonlyArray<Job>, RepositoryError>
  /**
   * Returns jobs newest first (createdAt, then id, both descending), optionally of one status
   * and matching a search, starting after the cursor. The cursor is a position in that order,
   * so the next page of a filtered list is read with the same status and search.
   */
  readonly list: (query: ListJobsQuery) => Effect.Effect<JobPage, RepositoryError>
  /**
   * Returns up to `limit` PENDING jobs, oldest first (createdAt, then id, both ascending):
   * the jobs a worker with free slots should take next.
   */
  readonly oldestPending: (limit: number) => Effect.Effect<ReadonlyArray<Job>, RepositoryError>
  /**
   * Counts the jobs of each status, only those matching `search` when it is given. Every
   * status is present in the result.
   */
  readonly countByStatus: (
    search?: JobSearch | undefined,
  ) => Effect.Effect<JobStatusCounts, RepositoryError>
  /**
   * Replaces the stored job with `next` and appends `event` to its log, only if the stored
   * job still has status `expected` and the version just before `next.version`, as one
   * atomic step. Returns the stored job on success and None, writing nothing, when the
   * stored job differed (another process changed it first) or does not exist. Of two
   * concurrent calls from the same stored job, at most one succeeds.
   */
  readonly update: (
    next: Job,
    expected: JobStatus,
    event: JobEvent,
  ) => Effect.Effect<Option.Option<Job>, RepositoryError>
  /**
   * Applies several changes as `update` does, each one only if its own condition holds,
   * in one atomic step. Returns the jobs that were stored, in no particular order. Each
   * change must name a different job.
   */
  readonly updateMany: (
    changes: ReadonlyArray<JobChange>,
  ) => Effect.Effect<ReadonlyArray<Job>, RepositoryError>
  /** Returns the job's events in the order they happened (by job version). */
  readonly listEvents: (id: JobId) => Effect.Effect<ReadonlyArray<JobEvent>, RepositoryError>
  /**
   * Records that worker `workerId` still runs the job, at time `at`. Returns true when the
   * job is RUNNING on that worker (the beat was recorded) and false otherwise: cancelled,
   * failed, requeued, or running elsewhere now, so the caller must stop.
   */
  readonly heartbeat: (
    id: JobId,
    workerId: string,
    at: Date,
  ) => Effect.Effect<boolean, RepositoryError>
  /**
   * Returns up to `limit` RUNNING jobs whose last heartbeat (or start, before the first
   * beat) is older than `before`, oldest first.
   */
  readonly findStale: (
    before: Date,
    limit: number,
  ) => Effect.Effect<ReadonlyArray<Job>, RepositoryError>
}

export class JobRepository extends Context.Tag("@jobs/domain/JobRepository")<
  JobRepository,
  JobRepositoryShape
>() {}

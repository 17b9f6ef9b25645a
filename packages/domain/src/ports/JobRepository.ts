import { Context, type Effect, type Option, Schema } from "effect"
import type { RepositoryError } from "../Errors"
import type { Job } from "../Job"
import { type JobId, JobId as JobIdSchema, type JobStatus } from "../JobValues"

/** Position after the last job of a page, in the list's order (newest first). */
export const JobCursor = Schema.Struct({
  createdAt: Schema.Date,
  id: JobIdSchema,
})
export type JobCursor = typeof JobCursor.Type

export interface ListJobsQuery {
  readonly status?: JobStatus | undefined
  /** 1-100. */
  readonly limit: number
  readonly after?: JobCursor | undefined
}

export interface JobPage {
  readonly items: ReadonlyArray<Job>
  /** Cursor of the last item when more items may follow, otherwise null. */
  readonly next: JobCursor | null
}

/**
 * Storage of jobs. PostgreSQL in production, memory in fast tests; both pass the
 * same contract suite.
 */
export interface JobRepositoryShape {
  /** Stores a new job. Fails with RepositoryError if the store fails, including on a duplicate id. */
  readonly insert: (job: Job) => Effect.Effect<void, RepositoryError>
  /** Returns the job with this id, or None. */
  readonly findById: (id: JobId) => Effect.Effect<Option.Option<Job>, RepositoryError>
  /**
   * Returns jobs newest first (createdAt, then id, both descending), optionally of one status,
   * starting after the cursor.
   */
  readonly list: (query: ListJobsQuery) => Effect.Effect<JobPage, RepositoryError>
  /**
   * Replaces the stored job with `next` only if the stored job still has status `expected`,
   * as one atomic step. Returns the stored job on success and None when the status differed
   * (another process changed it first) or the job does not exist. Of two concurrent calls
   * from the same expected status, at most one succeeds.
   */
  readonly update: (
    next: Job,
    expected: JobStatus,
  ) => Effect.Effect<Option.Option<Job>, RepositoryError>
}

export class JobRepository extends Context.Tag("@jobs/domain/JobRepository")<
  JobRepository,
  JobRepositoryShape
>() {}

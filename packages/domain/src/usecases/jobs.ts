/**
 * Use cases behind the HTTP API. Each loads what it needs, lets the aggregate
 * decide, stores the result, then publishes the event after the write.
 */
import { Effect, Either, Option } from "effect"
import {
  type InvalidJobTransition,
  type JobNotFinished,
  JobNotFound,
  type RepositoryError,
} from "../Errors"
import * as Job from "../Job"
import type { JobEvent } from "../JobEvent"
import type { DurationSeconds, JobId, JobName, JobSearch } from "../JobValues"
import type { Producer } from "../Producer"
import type { EventPublisher } from "../ports/EventPublisher"
import {
  type JobPage,
  JobRepository,
  type JobStatusCounts,
  type ListJobsQuery,
} from "../ports/JobRepository"
import { nextEventMeta, randomUuid } from "./eventMeta"
import { publishStoredEvent } from "./publishEvent"

export interface CreateJobInput {
  readonly name: JobName
  readonly durationSeconds: DurationSeconds
}

/** Stores a new PENDING job, then publishes JobCreated. */
export const createJob = Effect.fn("createJob")(function* (input: CreateJobInput) {
  const repository = yield* JobRepository
  const id = (yield* randomUuid) as JobId
  const meta = yield* nextEventMeta

  const { job, event } = Job.create({ id, ...input }, meta)

  yield* repository.insert(job, event)

  yield* publishStoredEvent(event)
  yield* Effect.logInfo("job created").pipe(Effect.annotateLogs({ jobId: job.id }))
  return job
}) satisfies (
  input: CreateJobInput,
) => Effect.Effect<Job.Job, RepositoryError, JobRepository | EventPublisher | Producer>

/** Returns the job, or fails with JobNotFound. */
export const getJob = Effect.fn("getJob")(function* (id: JobId) {
  const repository = yield* JobRepository
  const found = yield* repository.findById(id)
  return yield* Option.match(found, {
    onNone: () => Effect.fail(new JobNotFound({ jobId: id })),
    onSome: Effect.succeed,
  })
}) satisfies (id: JobId) => Effect.Effect<Job.Job, JobNotFound | RepositoryError, JobRepository>

/** Returns one page of jobs, newest first, filtered by status and search text when given. */
export const listJobs = Effect.fn("listJobs")(function* (query: ListJobsQuery) {
  const repository = yield* JobRepository
  return yield* repository.list(query)
}) satisfies (query: ListJobsQuery) => Effect.Effect<JobPage, RepositoryError, JobRepository>

/** Returns up to `limit` PENDING jobs, oldest first: the next ones to run. */
export const findPendingJobs = Effect.fn("findPendingJobs")(function* (limit: number) {
  const repository = yield* JobRepository
  return yield* repository.oldestPending(limit)
}) satisfies (
  limit: number,
) => Effect.Effect<ReadonlyArray<Job.Job>, RepositoryError, JobRepository>

/** Number of jobs in each status, plus their sum. */
export type JobCounts = JobStatusCounts & { readonly total: number }

const withTotal = (counts: JobStatusCounts): JobCounts => ({
  ...counts,
  total: Object.values<number>(counts).reduce((sum, count) => sum + count, 0),
})

/** Counts the jobs of each status and in all, only those matching `search` when given. */
export const countJobs = Effect.fn("countJobs")(function* (search?: JobSearch) {
  const repository = yield* JobRepository
  const counts = yield* repository.countByStatus(search)
  return withTotal(counts)
}) satisfies (search?: JobSearch) => Effect.Effect<JobCounts, RepositoryError, JobRepository>

/** Returns the job's event log in order, or fails with JobNotFound. */
export const getJobEvents = Effect.fn("getJobEvents")(function* (id: JobId) {
  const repository = yield* JobRepository
  yield* getJob(id)
  return yield* repository.listEvents(id)
}) satisfies (
  id: JobId,
) => Effect.Effect<ReadonlyArray<JobEvent>, JobNotFound | RepositoryError, JobRepository>

// A cancel can lose a race only to another transition (PENDING -> RUNNING, or
// RUNNING -> a terminal status), and a job makes at most two of those, so a
// handful of attempts always reaches a decision.
const MAX_CANCEL_ATTEMPTS = 5

/**
 * Cancels a PENDING or RUNNING job and publishes JobCancelled. Fails with
 * InvalidJobTransition when the job already reached COMPLETED, CANCELLED or FAILED.
 * If the job changes status between the read and the write, it reads again and
 * decides on the new status.
 */
export const cancelJob = Effect.fn("cancelJob")(function* (id: JobId) {
  const repository = yield* JobRepository

  for (let attempt = 1; ; attempt++) {
    const current = yield* getJob(id)
    const meta = yield* nextEventMeta

    const decision = Job.cancel(current, meta)
    if (Either.isLeft(decision)) {
      return yield* Effect.fail(decision.left)
    }
    const { job, event } = decision.right

    const stored = yield* repository.update(job, current.status, event)
    if (Option.isSome(stored)) {
      yield* publishStoredEvent(event)
      yield* Effect.logInfo("job cancelled").pipe(
        Effect.annotateLogs({ jobId: id, previousStatus: current.status }),
      )
      return stored.value
    }
    if (attempt >= MAX_CANCEL_ATTEMPTS) {
      return yield* Effect.dieMessage(
        `cancel of job ${id} lost ${attempt} races in a row, which the transition table does not allow`,
      )
    }
    yield* Effect.logDebug("cancel raced with another transition, reading again").pipe(
      Effect.annotateLogs({ jobId: id, attempt }),
    )
  }
}) satisfies (
  id: JobId,
) => Effect.Effect<
  Job.Job,
  JobNotFound | InvalidJobTransition | RepositoryError,
  JobRepository | EventPublisher | Producer
>

/**
 * Creates a new PENDING job with the name and duration of a COMPLETED, CANCELLED or
 * FAILED job, linked to it by `rerunOf`, then publishes its JobCreated. Fails with
 * JobNotFound for an unknown id and JobNotFinished while the job is PENDING or RUNNING.
 * No other process changes a finished job, so the decision made on the read still holds
 * when the new job is stored.
 */
export const rerunJob = Effect.fn("rerunJob")(function* (id: JobId) {
  const repository = yield* JobRepository
  const original = yield* getJob(id)
  const newId = (yield* randomUuid) as JobId
  const meta = yield* nextEventMeta

  const decision = Job.rerun(original, newId, meta)
  if (Either.isLeft(decision)) {
    return yield* Effect.fail(decision.left)
  }
  const { job, event } = decision.right

  yield* repository.insert(job, event)

  yield* publishStoredEvent(event)
  yield* Effect.logInfo("job re-run created").pipe(
    Effect.annotateLogs({ jobId: job.id, rerunOf: original.id }),
  )
  return job
}) satisfies (
  id: JobId,
) => Effect.Effect<
  Job.Job,
  JobNotFound | JobNotFinished | RepositoryError,
  JobRepository | EventPublisher | Producer
>

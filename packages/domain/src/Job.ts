/**
 * The Job aggregate: its data and the pure functions that change it.
 *
 * Every command takes the current job plus the event metadata (id, time,
 * producer) and returns either the next job with the event it produced, or an
 * InvalidJobTransition. Nothing here reads a clock or does I/O, so the whole
 * state machine is testable as plain functions.
 */
import { Either, Schema } from "effect"
import { InvalidJobTransition, JobNotFinished } from "./Errors"
import {
  JobCancelled,
  JobCompleted,
  JobCreated,
  type JobEvent,
  type JobEventType,
  JobFailed,
  JobRequeued,
  JobStarted,
} from "./JobEvent"
import { DurationSeconds, isTerminal, JobId, JobName, JobStatus } from "./JobValues"

export class Job extends Schema.Class<Job>("Job")({
  id: JobId,
  name: JobName,
  durationSeconds: DurationSeconds,
  status: JobStatus,
  createdAt: Schema.Date,
  startedAt: Schema.NullOr(Schema.Date),
  finishedAt: Schema.NullOr(Schema.Date),
  /**
   * The producer name (`worker-<id>`) of the worker that runs the job or ran it last;
   * null before the first start and after a requeue.
   */
  workerId: Schema.NullOr(Schema.String),
  /** The id of the finished job this one re-runs; null for a job created directly. */
  rerunOf: Schema.NullOr(JobId),
  /** Starts at 1 on creation and grows by one on every state change. */
  version: Schema.Int.pipe(Schema.positive()),
}) {}

/** Metadata of a new event (id, time, producer), passed in by the caller and never read here. */
export interface EventMeta {
  readonly eventId: string
  readonly occurredAt: Date
  /** `api` or `worker-<id>`. */
  readonly producer: string
}

/** The result of a successful command: the next state and the event that records it. */
export interface Transition<E extends JobEvent> {
  readonly job: Job
  readonly event: E
}

export type JobCommand = "start" | "complete" | "cancel" | "fail" | "release"

/**
 * The transition table. A command absent from a status's row is not allowed from
 * that status. Terminal statuses have empty rows.
 */
export const transitionTable: Readonly<
  Record<JobStatus, Readonly<Partial<Record<JobCommand, JobStatus>>>>
> = {
  PENDING: { start: "RUNNING", cancel: "CANCELLED" },
  RUNNING: { complete: "COMPLETED", cancel: "CANCELLED", fail: "FAILED", release: "PENDING" },
  COMPLETED: {},
  CANCELLED: {},
  FAILED: {},
}

/** The status each command leads to, used to describe a refused transition. */
export const commandTarget: Readonly<Record<JobCommand, JobStatus>> = {
  start: "RUNNING",
  complete: "COMPLETED",
  cancel: "CANCELLED",
  fail: "FAILED",
  release: "PENDING",
}

/** The status a job has right after an event of this type. */
export const statusAfter: Readonly<Record<JobEventType, JobStatus>> = {
  JobCreated: "PENDING",
  JobStarted: "RUNNING",
  JobCompleted: "COMPLETED",
  JobCancelled: "CANCELLED",
  JobFailed: "FAILED",
  JobRequeued: "PENDING",
}

/**
 * Orders jobs as every job list does: newest first by createdAt, then by id, both
 * descending. Ids compare by code unit, which agrees with PostgreSQL's uuid order for
 * the lowercase ids this app creates.
 */
export const compareNewestFirst = (a: Job, b: Job): number => {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime()
  if (byTime !== 0) {
    return byTime
  }
  if (a.id === b.id) {
    return 0
  }
  return a.id < b.id ? 1 : -1
}

/**
 * Whether the job matches a search text: its name contains the text, ignoring case, or
 * the text is its id. An empty text matches every job.
 */
export const matchesSearch = (
  job: { readonly name: string; readonly id: string },
  text: string,
): boolean => {
  const lowered = text.toLowerCase()
  return job.name.toLowerCase().includes(lowered) || job.id === lowered
}

/** Commands allowed from a status, in table order. */
export const allowedCommands = (status: JobStatus): ReadonlyArray<JobCommand> =>
  Object.keys(transitionTable[status]) as ReadonlyArray<JobCommand>

const decide = (job: Job, command: JobCommand): Either.Either<JobStatus, InvalidJobTransition> => {
  const next = transitionTable[job.status][command]
  return next === undefined
    ? Either.left(
        new InvalidJobTransition({
          jobId: job.id,
          currentStatus: job.status,
          requestedStatus: commandTarget[command],
        }),
      )
    : Either.right(next)
}

/**
 * The second argument of a Schema class constructor that skips its run-time check. The
 * aggregate passes it where it builds a state or an event from a job that was checked
 * already, values whose types the compiler checks, and the metadata of `nextEventMeta` (a
 * random UUID and the clock's time). The check costs about 55 µs per object on the
 * development machines, several times the rest of a transition, and every job goes through
 * three or more transitions. `create` still checks the new job, whose fields come from
 * outside the aggregate.
 */
const ALREADY_CHECKED = true

const evolve = (job: Job, changes: Partial<Omit<Job, "id" | "version">>): Job =>
  new Job({ ...job, ...changes, version: job.version + 1 }, ALREADY_CHECKED)

export interface NewJob {
  readonly id: JobId
  readonly name: JobName
  readonly durationSeconds: DurationSeconds
  /** The job this one re-runs. Default: null. */
  readonly rerunOf?: JobId | null
}

/** Creates a PENDING job at version 1 with its JobCreated event. */
export const create = (input: NewJob, meta: EventMeta): Transition<JobCreated> => {
  const job = new Job({
    id: input.id,
    name: input.name,
    durationSeconds: input.durationSeconds,
    status: "PENDING",
    createdAt: meta.occurredAt,
    startedAt: null,
    finishedAt: null,
    workerId: null,
    rerunOf: input.rerunOf ?? null,
    version: 1,
  })
  const event = new JobCreated(
    {
      ...eventHeader(job, meta),
      name: job.name,
      durationSeconds: job.durationSeconds,
      createdAt: job.createdAt,
      rerunOf: job.rerunOf,
    },
    ALREADY_CHECKED,
  )
  return { job, event }
}

/**
 * Checks that a job may be re-run: returns it when it is COMPLETED, CANCELLED or FAILED,
 * and fails with JobNotFinished while it is PENDING or RUNNING.
 */
export const decideRerun = (original: Job): Either.Either<Job, JobNotFinished> =>
  isTerminal(original.status)
    ? Either.right(original)
    : Either.left(new JobNotFinished({ jobId: original.id, currentStatus: original.status }))

/**
 * Creates a new PENDING job `id` with the name and duration of a finished job, linked to
 * it by `rerunOf`. The original job is not changed. Fails with JobNotFinished while the
 * original is PENDING or RUNNING.
 */
export const rerun = (
  original: Job,
  id: JobId,
  meta: EventMeta,
): Either.Either<Transition<JobCreated>, JobNotFinished> =>
  Either.map(decideRerun(original), (finished) =>
    create(
      {
        id,
        name: finished.name,
        durationSeconds: finished.durationSeconds,
        rerunOf: finished.id,
      },
      meta,
    ),
  )

/** PENDING -> RUNNING on the worker named `workerId`. */
export const start = (
  job: Job,
  workerId: string,
  meta: EventMeta,
): Either.Either<Transition<JobStarted>, InvalidJobTransition> =>
  Either.map(decide(job, "start"), (status) => {
    const next = evolve(job, { status, startedAt: meta.occurredAt, workerId })
    return {
      job: next,
      event: new JobStarted(
        { ...eventHeader(next, meta), startedAt: meta.occurredAt, workerId },
        ALREADY_CHECKED,
      ),
    }
  })

/** RUNNING -> COMPLETED. */
export const complete = (
  job: Job,
  meta: EventMeta,
): Either.Either<Transition<JobCompleted>, InvalidJobTransition> =>
  Either.map(decide(job, "complete"), (status) => {
    const next = evolve(job, { status, finishedAt: meta.occurredAt })
    return {
      job: next,
      event: new JobCompleted(
        { ...eventHeader(next, meta), finishedAt: meta.occurredAt },
        ALREADY_CHECKED,
      ),
    }
  })

/** PENDING or RUNNING -> CANCELLED. */
export const cancel = (
  job: Job,
  meta: EventMeta,
): Either.Either<Transition<JobCancelled>, InvalidJobTransition> =>
  Either.map(decide(job, "cancel"), (status) => {
    const next = evolve(job, { status, finishedAt: meta.occurredAt })
    return {
      job: next,
      event: new JobCancelled(
        {
          ...eventHeader(next, meta),
          previousStatus: job.status,
          finishedAt: meta.occurredAt,
        },
        ALREADY_CHECKED,
      ),
    }
  })

/** RUNNING -> FAILED, with a reason a person can read. */
export const fail = (
  job: Job,
  reason: string,
  meta: EventMeta,
): Either.Either<Transition<JobFailed>, InvalidJobTransition> =>
  Either.map(decide(job, "fail"), (status) => {
    const next = evolve(job, { status, finishedAt: meta.occurredAt })
    return {
      job: next,
      event: new JobFailed(
        { ...eventHeader(next, meta), reason, finishedAt: meta.occurredAt },
        ALREADY_CHECKED,
      ),
    }
  })

/**
 * RUNNING -> PENDING, for a worker that stops before the job ends (for example on
 * shutdown), so that another worker runs the job again from the start.
 */
export const release = (
  job: Job,
  reason: string,
  meta: EventMeta,
): Either.Either<Transition<JobRequeued>, InvalidJobTransition> =>
  Either.map(decide(job, "release"), (status) => {
    const next = evolve(job, { status, startedAt: null, workerId: null })
    return {
      job: next,
      event: new JobRequeued(
        {
          ...eventHeader(next, meta),
          reason,
          previousWorkerId: job.workerId,
        },
        ALREADY_CHECKED,
      ),
    }
  })

const eventHeader = (job: Job, meta: EventMeta) => ({
  eventId: meta.eventId,
  jobId: job.id,
  jobVersion: job.version,
  occurredAt: meta.occurredAt,
  producer: meta.producer,
})

/**
 * Applies an event to a client-side copy of a job, as a browser does with the
 * events it receives. Returns the job unchanged when the event is not newer than
 * it (an older or repeated event must never replace a newer state). A JobCreated
 * for an unknown job builds the job from the event alone.
 */
export const applyEvent = (job: Job | undefined, event: JobEvent): Job | undefined => {
  if (job !== undefined && event.jobVersion <= job.version) {
    return job
  }
  switch (event._tag) {
    case "JobCreated":
      return new Job(
        {
          id: event.jobId,
          name: event.name,
          durationSeconds: event.durationSeconds,
          status: "PENDING",
          createdAt: event.createdAt,
          startedAt: null,
          finishedAt: null,
          workerId: null,
          rerunOf: event.rerunOf,
          version: event.jobVersion,
        },
        ALREADY_CHECKED,
      )
    case "JobStarted":
      return (
        job &&
        new Job(
          {
            ...job,
            status: "RUNNING",
            startedAt: event.startedAt,
            workerId: event.workerId,
            version: event.jobVersion,
          },
          ALREADY_CHECKED,
        )
      )
    case "JobCompleted":
      return (
        job &&
        new Job(
          {
            ...job,
            status: "COMPLETED",
            finishedAt: event.finishedAt,
            version: event.jobVersion,
          },
          ALREADY_CHECKED,
        )
      )
    case "JobCancelled":
      return (
        job &&
        new Job(
          {
            ...job,
            status: "CANCELLED",
            finishedAt: event.finishedAt,
            version: event.jobVersion,
          },
          ALREADY_CHECKED,
        )
      )
    case "JobRequeued":
      return (
        job &&
        new Job(
          {
            ...job,
            status: "PENDING",
            startedAt: null,
            workerId: null,
            version: event.jobVersion,
          },
          ALREADY_CHECKED,
        )
      )
    case "JobFailed":
      return (
        job &&
        new Job(
          {
            ...job,
            status: "FAILED",
            finishedAt: event.finishedAt,
            version: event.jobVersion,
          },
          ALREADY_CHECKED,
        )
      )
  }
}

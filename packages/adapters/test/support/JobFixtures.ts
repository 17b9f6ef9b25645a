/**
 * Jobs and events for tests, built through the aggregate's own transitions so that every
 * fixture is a state the domain can reach.
 */
import { randomUUID } from "node:crypto"
import {
  DurationSeconds,
  type InvalidJobTransition,
  Job,
  type JobCreated,
  type JobEvent,
  JobId,
  JobName,
} from "@jobs/domain"
import { Either } from "effect"

export const newJobId = (): JobId => JobId.make(randomUUID())

const metaAt = (occurredAt: Date): Job.EventMeta => ({
  eventId: randomUUID(),
  occurredAt,
  producer: "test",
})

const secondsAfter = (date: Date, seconds: number): Date =>
  new Date(date.getTime() + seconds * 1000)

export interface PendingJobOptions {
  readonly id?: JobId
  /** Default: now. */
  readonly createdAt?: Date
  readonly name?: string
}

/** Creates a PENDING job with its JobCreated event. */
export const created = (options: PendingJobOptions = {}): Job.Transition<JobCreated> =>
  Job.create(
    {
      id: options.id ?? newJobId(),
      name: JobName.make(options.name ?? "test job"),
      durationSeconds: DurationSeconds.make(3),
    },
    metaAt(options.createdAt ?? new Date()),
  )

/** Creates a re-run of the finished job `original`, one second after `original` finished. */
export const rerunCreated = (original: Job.Job): Job.Transition<JobCreated> =>
  Either.getOrThrowWith(
    Job.rerun(
      original,
      newJobId(),
      metaAt(secondsAfter(original.finishedAt ?? original.createdAt, 1)),
    ),
    (error) => new Error(error.message),
  )

/** A PENDING job. */
export const pendingJob = (options: PendingJobOptions = {}): Job.Job => created(options).job

const applied = <E extends JobEvent>(
  result: Either.Either<Job.Transition<E>, InvalidJobTransition>,
): Job.Transition<E> => Either.getOrThrowWith(result, (error) => new Error(error.message))

/** The worker id `started` uses unless another is given. */
export const TEST_WORKER = "worker-test"

/** Starts the job on `workerId` at `at` (default: one second after it was created). */
export const started = (
  job: Job.Job,
  workerId: string = TEST_WORKER,
  at: Date = secondsAfter(job.createdAt, 1),
) => applied(Job.start(job, workerId, metaAt(at)))

/** Completes the running job one second after it started. */
export const completed = (job: Job.Job) =>
  applied(Job.complete(job, metaAt(secondsAfter(job.startedAt ?? job.createdAt, 1))))

/** Cancels the job two seconds after it was created. */
export const cancelled = (job: Job.Job) =>
  applied(Job.cancel(job, metaAt(secondsAfter(job.createdAt, 2))))

/** Fails the running job one second after it started. */
export const failed = (job: Job.Job) =>
  applied(Job.fail(job, "test failure", metaAt(secondsAfter(job.startedAt ?? job.createdAt, 1))))

/** Puts the running job back to PENDING one second after it started. */
export const released = (job: Job.Job) =>
  applied(Job.release(job, "test release", metaAt(secondsAfter(job.startedAt ?? job.createdAt, 1))))

/** A RUNNING job. */
export const runningJob = (options: PendingJobOptions = {}): Job.Job =>
  started(pendingJob(options)).job

/** A COMPLETED job, with all three timestamps set. */
export const completedJob = (options: PendingJobOptions = {}): Job.Job =>
  completed(runningJob(options)).job

/** Builds one event of each of the six types, in the order a job's life could produce them. */
export const oneEventOfEachType = (): ReadonlyArray<JobEvent> => {
  const creation = created()
  const start = started(creation.job)
  const completion = completed(start.job)
  const cancellation = cancelled(pendingJob())
  const failure = failed(runningJob())
  const requeue = released(runningJob())
  return [
    creation.event,
    start.event,
    completion.event,
    cancellation.event,
    failure.event,
    requeue.event,
  ]
}

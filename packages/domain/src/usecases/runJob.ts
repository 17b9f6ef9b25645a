/**
 * The worker's use case: claim a PENDING job, sleep its duration while sending a
 * heartbeat every second, then complete it. The worker interrupts a run as soon
 * as it receives the job's JobCancelled. The heartbeat also finds out that the
 * job was cancelled (or taken away), so a lost event still stops it within a second.
 */
import { Clock, Duration, Effect, Either, Option, Schedule } from "effect"
import type { RepositoryError } from "../Errors"
import * as Job from "../Job"
import type { JobId } from "../JobValues"
import type { Producer } from "../Producer"
import type { EventPublisher } from "../ports/EventPublisher"
import { JobRepository } from "../ports/JobRepository"
import { nextEventMeta } from "./eventMeta"
import { publishStoredEvent } from "./publishEvent"

/** How often a running job sends a heartbeat, which also notices a cancellation. */
export const HEARTBEAT_INTERVAL = Duration.seconds(1)

export type RunOutcome =
  /** Another worker claimed it first, it was cancelled before the claim, or it does not exist. */
  | "skipped"
  | "completed"
  /** It was cancelled, failed or requeued by another process while this worker ran it. */
  | "stopped"

// A failed heartbeat is retried on the next tick. The completing write is retried
// a few times with backoff, because giving up would leave the job RUNNING.
const completeRetry = Schedule.exponential(Duration.millis(200)).pipe(
  Schedule.intersect(Schedule.recurs(5)),
)

// Putting a job back to PENDING happens while the worker shuts down, which must
// finish within a few seconds.
const REQUEUE_TIMEOUT = Duration.seconds(2)

/**
 * Reads the job to claim, unless the caller read it already. A job read earlier may have
 * changed since; the claim's conditional update then finds out and stores nothing.
 */
const readJob = (target: JobId | Job.Job) =>
  typeof target === "string"
    ? Effect.flatMap(JobRepository, (repository) => repository.findById(target))
    : Effect.succeed(Option.some(target))

/**
 * Claims a PENDING job with a conditional update, so that of several workers
 * racing for the same job exactly one runs it. Returns the claimed job, or None
 * when the claim was lost.
 */
const claim = Effect.fn("claimJob")(function* (target: JobId | Job.Job) {
  const repository = yield* JobRepository
  const found = yield* readJob(target)
  if (Option.isNone(found)) {
    yield* Effect.logDebug("claim skipped: job not found")
    return Option.none<Job.Job>()
  }

  const meta = yield* nextEventMeta
  const decision = Job.start(found.value, meta.producer, meta)
  if (Either.isLeft(decision)) {
    yield* Effect.logDebug("claim skipped: job is not PENDING").pipe(
      Effect.annotateLogs({ status: found.value.status }),
    )
    return Option.none<Job.Job>()
  }

  const { job, event } = decision.right
  const stored = yield* repository.update(job, "PENDING", event)
  if (Option.isNone(stored)) {
    yield* Effect.logDebug("claim lost: another process changed the job first")
    return Option.none<Job.Job>()
  }

  yield* publishStoredEvent(event)
  yield* Effect.logInfo("job claimed")
  return stored
})

/**
 * Sends one heartbeat. Returns false when the job is no longer RUNNING on this
 * worker. A failed write is logged and counts as "still running", so a short
 * database outage does not stop the job; the stale-job check bounds a long one.
 */
const beat = Effect.fn("heartbeat")(function* (running: Job.Job) {
  const repository = yield* JobRepository
  const now = new Date(yield* Clock.currentTimeMillis)
  return yield* repository
    .heartbeat(running.id, running.workerId ?? "", now)
    .pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("heartbeat failed, will retry").pipe(
          Effect.annotateLogs({ error: error.message }),
          Effect.as(true),
        ),
      ),
    )
})

const finish = Effect.fn("completeJob")(function* (running: Job.Job) {
  const repository = yield* JobRepository
  const decision = Job.complete(running, yield* nextEventMeta)
  if (Either.isLeft(decision)) {
    return yield* Effect.dieMessage(`job ${running.id} was not RUNNING when completing it`)
  }

  const { job, event } = decision.right
  const stored = yield* repository.update(job, "RUNNING", event).pipe(Effect.retry(completeRetry))
  if (Option.isNone(stored)) {
    yield* Effect.logInfo("job changed by another process just before completing")
    return "stopped" as const
  }

  yield* publishStoredEvent(event)
  yield* Effect.logInfo("job completed")
  return "completed" as const
})

/**
 * Puts a job this worker was running back to PENDING with a JobRequeued event,
 * so that another worker runs it. Used when the run is interrupted (shutdown).
 * The update is conditional on RUNNING, so a job that was cancelled, failed or
 * requeued meanwhile keeps its status. This then writes nothing and returns false.
 */
export const requeueJob = Effect.fn("requeueJob")(function* (running: Job.Job, reason: string) {
  const repository = yield* JobRepository
  const decision = Job.release(running, reason, yield* nextEventMeta)
  if (Either.isLeft(decision)) {
    return false
  }

  const { job, event } = decision.right
  const stored = yield* repository.update(job, "RUNNING", event)
  if (Option.isNone(stored)) {
    return false
  }

  yield* publishStoredEvent(event)
  yield* Effect.logInfo("job requeued").pipe(Effect.annotateLogs({ reason }))
  return true
})

/**
 * The interruption handler of a run. An interrupt because the worker stops
 * requeues the job. An interrupt because the job was cancelled finds the job no
 * longer RUNNING and leaves it as it is. Gives up after REQUEUE_TIMEOUT, and the
 * stale-job check then fails the job instead.
 */
const requeueOnInterrupt = (running: Job.Job) =>
  requeueJob(running, "worker stopped before the job finished").pipe(
    Effect.tap((requeued) =>
      requeued
        ? Effect.void
        : Effect.logDebug("run interrupted, job no longer running here, not requeued"),
    ),
    Effect.timeout(REQUEUE_TIMEOUT),
    Effect.catchAll((error) =>
      Effect.logWarning("job requeue failed, it stays RUNNING until its heartbeat expires").pipe(
        Effect.annotateLogs({ error: String(error) }),
      ),
    ),
    Effect.asVoid,
  )

/** Sleeps the job's duration with a heartbeat every second; false when the job was taken away. */
const sleepWithHeartbeats = (running: Job.Job) =>
  Effect.gen(function* () {
    for (let elapsed = 0; elapsed < running.durationSeconds; elapsed++) {
      yield* Effect.sleep(HEARTBEAT_INTERVAL)
      if (!(yield* beat(running))) {
        yield* Effect.logInfo("job no longer running on this worker, stopping").pipe(
          Effect.annotateLogs({ elapsedSeconds: elapsed + 1 }),
        )
        return false
      }
    }
    return true
  })

/**
 * Runs one job: claim, sleep `durationSeconds` sending a heartbeat every second,
 * complete. The job is given by its id, or as read from the store a moment ago (by a
 * sweep for PENDING jobs), which saves reading it again. Stops without completing as soon as a heartbeat finds the job no
 * longer RUNNING on this worker (cancelled, failed or requeued). When the run is
 * interrupted, the job goes back to PENDING for another worker, unless it is no
 * longer RUNNING (a cancel interrupts the run too). Only the sleep
 * can be interrupted: the claim and the completion always finish, so an
 * interruption never leaves a claimed job without its requeue.
 */
export const runJob = Effect.fn("runJob")(
  function* (target: JobId | Job.Job) {
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        const claimed = yield* claim(target)
        if (Option.isNone(claimed)) {
          return "skipped" as const
        }
        const running = claimed.value

        const reachedTheEnd = yield* restore(sleepWithHeartbeats(running)).pipe(
          Effect.onInterrupt(() => requeueOnInterrupt(running)),
        )
        if (!reachedTheEnd) {
          return "stopped" as const
        }

        return yield* finish(running)
      }),
    )
  },
  (effect, target) =>
    Effect.annotateLogs(effect, { jobId: typeof target === "string" ? target : target.id }),
) satisfies (
  target: JobId | Job.Job,
) => Effect.Effect<RunOutcome, RepositoryError, JobRepository | EventPublisher | Producer>

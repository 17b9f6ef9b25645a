/**
 * The worker's use case: claim a PENDING job, sleep its duration while watching
 * for cancellation, then complete it.
 */
import { Duration, Effect, Either, Option, Schedule } from "effect"
import type { RepositoryError } from "../Errors"
import * as Job from "../Job"
import type { JobId } from "../JobValues"
import type { Producer } from "../Producer"
import type { EventPublisher } from "../ports/EventPublisher"
import { JobRepository } from "../ports/JobRepository"
import { nextEventMeta } from "./eventMeta"
import { publishStoredEvent } from "./publishEvent"

/** How often a running job re-reads its status to notice a cancellation. */
export const CANCEL_CHECK_INTERVAL = Duration.seconds(1)

export type RunOutcome =
  /** Another worker claimed it first, it was cancelled before the claim, or it does not exist. */
  "skipped" | "completed" | "cancelled"

// A failed status check is retried on the next tick; the completing write is
// retried a few times with backoff because giving up leaves the job RUNNING.
const completeRetry = Schedule.exponential(Duration.millis(200)).pipe(
  Schedule.intersect(Schedule.recurs(5)),
)

/**
 * Claims a PENDING job with a conditional update, so that of several workers
 * racing for the same job exactly one runs it. Returns the claimed job, or None
 * when the claim was lost.
 */
const claim = Effect.fn("claimJob")(function* (id: JobId) {
  const repository = yield* JobRepository
  const found = yield* repository.findById(id)
  if (Option.isNone(found)) {
    yield* Effect.logDebug("claim skipped: job not found")
    return Option.none<Job.Job>()
  }

  const decision = Job.start(found.value, yield* nextEventMeta)
  if (Either.isLeft(decision)) {
    yield* Effect.logDebug("claim skipped: job is not PENDING").pipe(
      Effect.annotateLogs({ status: found.value.status }),
    )
    return Option.none<Job.Job>()
  }

  const stored = yield* repository.update(decision.right.job, "PENDING")
  if (Option.isNone(stored)) {
    yield* Effect.logDebug("claim lost: another process changed the job first")
    return Option.none<Job.Job>()
  }

  yield* publishStoredEvent(decision.right.event)
  yield* Effect.logInfo("job claimed")
  return stored
})

/** Reads the job's status; a failed read is logged and treated as "still running". */
const isStillRunning = Effect.fn("checkJobStatus")(function* (id: JobId) {
  const repository = yield* JobRepository
  const found = yield* repository.findById(id).pipe(
    Effect.tapError((error) =>
      Effect.logWarning("status check failed, will retry").pipe(
        Effect.annotateLogs({ error: error.message }),
      ),
    ),
    Effect.option,
  )
  return Option.match(found, {
    onNone: () => true,
    onSome: (job) =>
      Option.match(job, { onNone: () => false, onSome: (j) => j.status === "RUNNING" }),
  })
})

const finish = Effect.fn("completeJob")(function* (running: Job.Job) {
  const repository = yield* JobRepository
  const decision = Job.complete(running, yield* nextEventMeta)
  if (Either.isLeft(decision)) {
    return yield* Effect.dieMessage(`job ${running.id} was not RUNNING when completing it`)
  }

  const stored = yield* repository
    .update(decision.right.job, "RUNNING")
    .pipe(Effect.retry(completeRetry))
  if (Option.isNone(stored)) {
    yield* Effect.logInfo("job was cancelled just before completing")
    return "cancelled" as const
  }

  yield* publishStoredEvent(decision.right.event)
  yield* Effect.logInfo("job completed")
  return "completed" as const
})

/**
 * Runs one job: claim, sleep `durationSeconds` while checking the job's status
 * every second, complete. Stops without completing as soon as a check finds the
 * job no longer RUNNING (cancelled).
 */
export const runJob = Effect.fn("runJob")(
  function* (id: JobId) {
    const claimed = yield* claim(id)
    if (Option.isNone(claimed)) {
      return "skipped" as const
    }
    const running = claimed.value

    for (let elapsed = 0; elapsed < running.durationSeconds; elapsed++) {
      yield* Effect.sleep(CANCEL_CHECK_INTERVAL)
      if (!(yield* isStillRunning(id))) {
        yield* Effect.logInfo("job no longer running, stopping").pipe(
          Effect.annotateLogs({ elapsedSeconds: elapsed + 1 }),
        )
        return "cancelled" as const
      }
    }

    return yield* finish(running)
  },
  (effect, id) => Effect.annotateLogs(effect, { jobId: id }),
) satisfies (
  id: JobId,
) => Effect.Effect<RunOutcome, RepositoryError, JobRepository | EventPublisher | Producer>

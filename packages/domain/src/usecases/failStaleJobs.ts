/**
 * Recovery from crashed workers: any live worker, or the API, fails the RUNNING jobs whose
 * worker stopped sending heartbeats.
 */
import { Clock, Duration, Effect, Either, Option } from "effect"
import type { RepositoryError } from "../Errors"
import * as Job from "../Job"
import type { Producer } from "../Producer"
import type { EventPublisher } from "../ports/EventPublisher"
import { JobRepository } from "../ports/JobRepository"
import { nextEventMeta } from "./eventMeta"
import { publishStoredEvent } from "./publishEvent"

/** A RUNNING job whose worker sent no heartbeat for this long counts as abandoned. */
export const HEARTBEAT_TIMEOUT = Duration.seconds(10)

const STALE_BATCH = 100

/**
 * Marks FAILED, with a JobFailed event, every RUNNING job whose last heartbeat is
 * older than `timeout`. The update is conditional on RUNNING, so a job that
 * completes or is cancelled meanwhile keeps that outcome. Returns how many jobs
 * it failed.
 */
export const failStaleJobs = Effect.fn("failStaleJobs")(function* (
  timeout: Duration.Duration = HEARTBEAT_TIMEOUT,
) {
  const repository = yield* JobRepository
  const now = yield* Clock.currentTimeMillis
  const stale = yield* repository.findStale(new Date(now - Duration.toMillis(timeout)), STALE_BATCH)

  let failed = 0
  for (const job of stale) {
    const reason = `worker ${job.workerId ?? "unknown"} sent no heartbeat for ${Duration.format(timeout)}`
    const decision = Job.fail(job, reason, yield* nextEventMeta)
    if (Either.isLeft(decision)) {
      continue
    }

    const stored = yield* repository.update(decision.right.job, "RUNNING", decision.right.event)
    if (Option.isSome(stored)) {
      yield* publishStoredEvent(decision.right.event)
      yield* Effect.logWarning("job failed: its worker stopped sending heartbeats").pipe(
        Effect.annotateLogs({ jobId: job.id, staleWorkerId: job.workerId ?? "unknown" }),
      )
      failed++
    }
  }
  return failed
}) satisfies (
  timeout?: Duration.Duration,
) => Effect.Effect<number, RepositoryError, JobRepository | EventPublisher | Producer>

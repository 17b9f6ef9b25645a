/**
 * The API's watch over the workers: every few seconds it fails the RUNNING jobs
 * whose worker stopped sending heartbeats and marks such workers lost, publishing
 * JobFailed and WorkerStopped. Workers run the same check, but the API runs it too,
 * so the jobs of the last worker end FAILED, and browsers learn of it, even when no
 * worker is left to notice.
 */
import { repeatEvery } from "@jobs/adapters"
import {
  type EventPublisher,
  failStaleJobs,
  type JobRepository,
  markLostWorkers,
  type Producer,
  type WorkerRegistry,
} from "@jobs/domain"
import { Duration, Effect, Layer } from "effect"

/** How often the API looks for abandoned jobs and lost workers, as often as a worker does. */
export const CHECK_INTERVAL = Duration.seconds(2)

const check = Effect.all([failStaleJobs(), markLostWorkers()], { discard: true })

export const layer: Layer.Layer<
  never,
  never,
  JobRepository | WorkerRegistry | EventPublisher | Producer
> = Layer.scopedDiscard(
  Effect.forkScoped(repeatEvery("stale job and lost worker check", check, CHECK_INTERVAL)),
)

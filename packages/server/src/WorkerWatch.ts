/**
 * The API's watch over the worker registry: every few seconds it marks lost the
 * workers whose heartbeats stopped, and publishes WorkerStopped for each. Workers
 * run the same check, but the API runs it too, so a browser learns that the last
 * worker died even when no worker is left to notice.
 */
import { repeatEvery } from "@jobs/adapters"
import {
  type EventPublisher,
  markLostWorkers,
  type Producer,
  type WorkerRegistry,
} from "@jobs/domain"
import { Duration, Effect, Layer } from "effect"

/** How often the API looks for lost workers. */
export const CHECK_INTERVAL = Duration.seconds(2)

export const layer: Layer.Layer<never, never, WorkerRegistry | EventPublisher | Producer> =
  Layer.scopedDiscard(
    Effect.forkScoped(repeatEvery("lost worker check", markLostWorkers(), CHECK_INTERVAL)),
  )

/**
 * The Worker aggregate: one worker process as the registry records it.
 *
 * A worker registers when it starts, sends a heartbeat every few seconds while it
 * lives, and is marked stopped either by itself on shutdown or, when its heartbeats
 * stop, by another process ("lost"). As with Job, the functions here are pure: the
 * caller passes the time and the event metadata in.
 */
import { Duration, Option, Schema } from "effect"
import type { EventMeta } from "./Job"
import { WorkerStarted, WorkerStopped, WorkerStopReason } from "./WorkerEvent"

export const StopReason = WorkerStopReason
export type StopReason = typeof StopReason.Type

export class Worker extends Schema.Class<Worker>("Worker")({
  /** The worker's producer name, `worker-<WORKER_ID>`, as in a job's workerId. */
  id: Schema.String,
  host: Schema.String,
  pid: Schema.Int,
  /** How many jobs it runs at once (WORKER_CONCURRENCY). */
  concurrency: Schema.Int.pipe(Schema.positive()),
  startedAt: Schema.Date,
  lastHeartbeatAt: Schema.Date,
  stoppedAt: Schema.NullOr(Schema.Date),
  stopReason: Schema.NullOr(StopReason),
}) {}

/** How often a worker sends the registry a heartbeat. */
export const HEARTBEAT_INTERVAL = Duration.seconds(2)

/**
 * A worker with no heartbeat for this long counts as gone. Five missed beats, so a
 * busy event loop or a short database hiccup does not mark a live worker lost.
 */
export const TIMEOUT = Duration.seconds(10)

/** The facts a worker records about itself when it registers. */
export interface Registration {
  readonly host: string
  readonly pid: number
  readonly concurrency: number
}

/** A worker that just started, with its WorkerStarted event. Its id is the producer's name. */
export const start = (
  registration: Registration,
  meta: EventMeta,
): { readonly worker: Worker; readonly event: WorkerStarted } => {
  const worker = new Worker({
    id: meta.producer,
    ...registration,
    startedAt: meta.occurredAt,
    lastHeartbeatAt: meta.occurredAt,
    stoppedAt: null,
    stopReason: null,
  })
  const event = new WorkerStarted({
    eventId: meta.eventId,
    workerId: worker.id,
    occurredAt: meta.occurredAt,
    producer: meta.producer,
    ...registration,
    startedAt: worker.startedAt,
  })
  return { worker, event }
}

/**
 * Marks the worker stopped, with its WorkerStopped event. `meta.producer` is the
 * process that noticed: the worker itself on shutdown, another one when it was lost.
 * None when the worker is stopped already, so a worker is reported stopped once.
 */
export const stop = (
  worker: Worker,
  reason: StopReason,
  meta: EventMeta,
): Option.Option<{ readonly worker: Worker; readonly event: WorkerStopped }> =>
  worker.stoppedAt !== null
    ? Option.none()
    : Option.some({
        worker: new Worker({ ...worker, stoppedAt: meta.occurredAt, stopReason: reason }),
        event: new WorkerStopped({
          eventId: meta.eventId,
          workerId: worker.id,
          occurredAt: meta.occurredAt,
          producer: meta.producer,
          reason,
          stoppedAt: meta.occurredAt,
        }),
      })

/** Alive: not stopped, and its last heartbeat is younger than `timeout` at `now`. */
export const isAlive = (worker: Worker, now: Date, timeout: Duration.Duration = TIMEOUT): boolean =>
  worker.stoppedAt === null &&
  now.getTime() - worker.lastHeartbeatAt.getTime() < Duration.toMillis(timeout)

/**
 * Domain events of the worker aggregate and their wire form.
 *
 * They travel on the same channel as the job events, in an envelope of the same
 * shape, except that the aggregate's id is in `worker_id` and there is no
 * version (a worker only starts and stops):
 *
 *   {"event_type": "WorkerStarted", "worker_id": "worker-<id>", "timestamp": "<ISO 8601 UTC>",
 *    "payload": {...}, "event_id": "<uuid>", "producer": "worker-<id>"}
 *
 * A consumer separates the two kinds by event_type.
 */
import { Schema } from "effect"
import { envelopeOf as envelopeSchema } from "./Envelope"

/** `shutdown`: the worker stopped itself. `lost`: its heartbeats stopped and another process noticed. */
export const WorkerStopReason = Schema.Literal("shutdown", "lost")

const header = {
  eventId: Schema.UUID,
  /** The worker's producer name, `worker-<id>`. */
  workerId: Schema.String,
  occurredAt: Schema.Date,
  /** The process that produced the event; for a lost worker, the process that noticed. */
  producer: Schema.String,
}

const startedPayload = {
  host: Schema.String,
  pid: Schema.Int,
  concurrency: Schema.Int.pipe(Schema.positive()),
  startedAt: Schema.Date,
}
const stoppedPayload = { reason: WorkerStopReason, stoppedAt: Schema.Date }

export class WorkerStarted extends Schema.TaggedClass<WorkerStarted>()("WorkerStarted", {
  ...header,
  ...startedPayload,
}) {}

export class WorkerStopped extends Schema.TaggedClass<WorkerStopped>()("WorkerStopped", {
  ...header,
  ...stoppedPayload,
}) {}

export const WorkerEvent = Schema.Union(WorkerStarted, WorkerStopped)
export type WorkerEvent = typeof WorkerEvent.Type
export type WorkerEventType = WorkerEvent["_tag"]

export const workerEventTypes: ReadonlyArray<WorkerEventType> = ["WorkerStarted", "WorkerStopped"]

const workerIdHeader = { wire: "worker_id", field: "workerId", schema: Schema.String } as const

const envelopeOf = <
  Tag extends WorkerEventType,
  Payload extends Schema.Struct.Fields,
  Event extends { readonly _tag: Tag },
>(
  eventClass: Schema.Schema<
    Event,
    Schema.Struct.Encoded<typeof header & Payload> & { readonly _tag: Tag }
  >,
  tag: Tag,
  payload: Payload,
) => envelopeSchema(eventClass, tag, payload, workerIdHeader)

/** One worker event in its wire envelope (an object, before JSON). */
export const WorkerEventEnvelope = Schema.Union(
  envelopeOf(WorkerStarted, "WorkerStarted", startedPayload),
  envelopeOf(WorkerStopped, "WorkerStopped", stoppedPayload),
)

/**
 * Domain events of the job aggregate and their wire form.
 *
 * In memory an event is a tagged class with camelCase fields. Between processes
 * (the Redis channel and the SSE stream) it travels as one JSON envelope:
 *
 *   {"event_type": "JobStarted", "job_id": "<uuid>", "timestamp": "<ISO 8601 UTC>",
 *    "payload": {...}, "event_id": "<uuid>", "job_version": 2, "producer": "worker-<id>"}
 *
 * event_type, job_id, timestamp and payload are the contract every process relies
 * on; their names must not change.
 */
import { Schema } from "effect"
import { envelopeOf as envelopeSchema } from "./Envelope"
import { DurationSeconds, JobId, JobName, JobStatus } from "./JobValues"

const header = {
  eventId: Schema.UUID,
  jobId: JobId,
  /** The job's version after this event; clients drop events not newer than what they show. */
  jobVersion: Schema.Int.pipe(Schema.positive()),
  occurredAt: Schema.Date,
  /** `api` or `worker-<id>`: the process that produced the event. */
  producer: Schema.String,
}

const createdPayload = {
  name: JobName,
  durationSeconds: DurationSeconds,
  createdAt: Schema.Date,
  /**
   * The finished job this one re-runs, or null. Envelopes written before re-runs existed
   * lack the field and decode as null.
   */
  rerunOf: Schema.optionalWith(Schema.NullOr(JobId), { default: () => null }),
}
const startedPayload = { startedAt: Schema.Date, workerId: Schema.String }
const completedPayload = { finishedAt: Schema.Date }
const cancelledPayload = { previousStatus: JobStatus, finishedAt: Schema.Date }
const failedPayload = { reason: Schema.String, finishedAt: Schema.Date }
const requeuedPayload = { reason: Schema.String, previousWorkerId: Schema.NullOr(Schema.String) }

export class JobCreated extends Schema.TaggedClass<JobCreated>()("JobCreated", {
  ...header,
  ...createdPayload,
}) {}

export class JobStarted extends Schema.TaggedClass<JobStarted>()("JobStarted", {
  ...header,
  ...startedPayload,
}) {}

export class JobCompleted extends Schema.TaggedClass<JobCompleted>()("JobCompleted", {
  ...header,
  ...completedPayload,
}) {}

export class JobCancelled extends Schema.TaggedClass<JobCancelled>()("JobCancelled", {
  ...header,
  ...cancelledPayload,
}) {}

export class JobFailed extends Schema.TaggedClass<JobFailed>()("JobFailed", {
  ...header,
  ...failedPayload,
}) {}

/** A RUNNING job went back to PENDING because its worker stopped before the end. */
export class JobRequeued extends Schema.TaggedClass<JobRequeued>()("JobRequeued", {
  ...header,
  ...requeuedPayload,
}) {}

export const JobEvent = Schema.Union(
  JobCreated,
  JobStarted,
  JobCompleted,
  JobCancelled,
  JobFailed,
  JobRequeued,
)
export type JobEvent = typeof JobEvent.Type
export type JobEventType = JobEvent["_tag"]

export const jobEventTypes: ReadonlyArray<JobEventType> = [
  "JobCreated",
  "JobStarted",
  "JobCompleted",
  "JobCancelled",
  "JobFailed",
  "JobRequeued",
]

const jobIdHeader = { wire: "job_id", field: "jobId", schema: Schema.encodedSchema(JobId) } as const
const jobVersionHeader = {
  wire: "job_version",
  field: "jobVersion",
  schema: Schema.Number,
} as const

const envelopeOf = <
  Tag extends JobEventType,
  Payload extends Schema.Struct.Fields,
  Event extends { readonly _tag: Tag },
>(
  eventClass: Schema.Schema<
    Event,
    Schema.Struct.Encoded<typeof header & Payload> & { readonly _tag: Tag }
  >,
  tag: Tag,
  payload: Payload,
) => envelopeSchema(eventClass, tag, payload, jobIdHeader, jobVersionHeader)

/** One event in its wire envelope (an object, before JSON). */
export const JobEventEnvelope = Schema.Union(
  envelopeOf(JobCreated, "JobCreated", createdPayload),
  envelopeOf(JobStarted, "JobStarted", startedPayload),
  envelopeOf(JobCompleted, "JobCompleted", completedPayload),
  envelopeOf(JobCancelled, "JobCancelled", cancelledPayload),
  envelopeOf(JobFailed, "JobFailed", failedPayload),
  envelopeOf(JobRequeued, "JobRequeued", requeuedPayload),
)

/** One job event as JSON text, the form stored in the event log. */
export const JobEventJson = Schema.parseJson(JobEventEnvelope)
export type EncodedEnvelope = typeof JobEventEnvelope.Encoded

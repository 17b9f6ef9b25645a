/**
 * Every event that crosses a process boundary: the job events and the worker
 * events, on one channel. Redis messages and SSE `data:` lines carry one of them
 * as JSON; the `event_type` field names which.
 */
import { Schema } from "effect"
import { JobEvent, JobEventEnvelope } from "./JobEvent"
import { WorkerEvent, WorkerEventEnvelope } from "./WorkerEvent"

export const DomainEvent = Schema.Union(JobEvent, WorkerEvent)
export type DomainEvent = JobEvent | WorkerEvent

/** One event in its wire envelope (an object, before JSON). */
export const DomainEventEnvelope = Schema.Union(JobEventEnvelope, WorkerEventEnvelope)

/** One event as the JSON text sent on Redis and in SSE `data:` lines. */
export const DomainEventJson = Schema.parseJson(DomainEventEnvelope)

export const encodeEventJson = Schema.encodeSync(DomainEventJson)
export const decodeEventJson = Schema.decodeUnknownEither(DomainEventJson)

/** True for the events of the job aggregate, which carry a jobId and a version. */
export const isJobEvent = (event: DomainEvent): event is JobEvent => "jobId" in event

/**
 * Typed errors of the domain and its ports. HTTP statuses are attached where the
 * API contract names them (Api.ts), not here.
 */
import { Schema } from "effect"
import { JobId, JobStatus } from "./JobValues"

/** A command was refused because the job's current status does not allow it. */
export class InvalidJobTransition extends Schema.TaggedError<InvalidJobTransition>()(
  "InvalidJobTransition",
  {
    jobId: JobId,
    currentStatus: JobStatus,
    requestedStatus: JobStatus,
  },
) {
  override get message(): string {
    return `job ${this.jobId} is ${this.currentStatus} and cannot become ${this.requestedStatus}`
  }
}

export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", {
  jobId: JobId,
}) {
  override get message(): string {
    return `job ${this.jobId} not found`
  }
}

/**
 * The job store (PostgreSQL) failed or could not be reached. The message is safe
 * to show: adapters put no SQL, credentials or stack traces in it.
 */
export class RepositoryError extends Schema.TaggedError<RepositoryError>()("RepositoryError", {
  message: Schema.String,
}) {}

/** An event could not be handed to the message broker (Redis). */
export class EventPublishError extends Schema.TaggedError<EventPublishError>()(
  "EventPublishError",
  {
    message: Schema.String,
  },
) {}

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
    // A field rather than a getter, so the HTTP body carries the sentence too.
    message: Schema.String,
  },
) {
  constructor(
    props: {
      readonly jobId: JobId
      readonly currentStatus: JobStatus
      readonly requestedStatus: JobStatus
      readonly message?: string
    },
    options?: Schema.MakeOptions,
  ) {
    super(
      {
        ...props,
        message:
          props.message ??
          `job ${props.jobId} is ${props.currentStatus} and cannot become ${props.requestedStatus}`,
      },
      options,
    )
  }
}

/**
 * A re-run was refused because the job has not finished: only a COMPLETED, CANCELLED or
 * FAILED job can be run again.
 */
export class JobNotFinished extends Schema.TaggedError<JobNotFinished>()("JobNotFinished", {
  jobId: JobId,
  currentStatus: JobStatus,
  message: Schema.String,
}) {
  constructor(
    props: {
      readonly jobId: JobId
      readonly currentStatus: JobStatus
      readonly message?: string
    },
    options?: Schema.MakeOptions,
  ) {
    super(
      {
        ...props,
        message:
          props.message ??
          `job ${props.jobId} is ${props.currentStatus} and cannot be re-run until it is COMPLETED, CANCELLED or FAILED`,
      },
      options,
    )
  }
}

export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", {
  jobId: JobId,
  message: Schema.String,
}) {
  constructor(
    props: { readonly jobId: JobId; readonly message?: string },
    options?: Schema.MakeOptions,
  ) {
    super({ ...props, message: props.message ?? `job ${props.jobId} not found` }, options)
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

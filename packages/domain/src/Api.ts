/**
 * The HTTP contract, shared by the server (which implements it) and the web
 * client (which derives a typed client from it). Everything is under /api.
 *
 * `GET /api/events` (server-sent events) is served beside this contract as a plain
 * route, because a typed client would wait for the end of an endless body.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Option, Schema } from "effect"
import { InvalidJobTransition, JobNotFinished, JobNotFound } from "./Errors"
import { Job } from "./Job"
import { JobEventEnvelope } from "./JobEvent"
import {
  DurationSeconds,
  formatRejectedValue,
  JobId,
  JobName,
  JobSearch,
  JobStatus,
  MAX_JOB_SEARCH_LENGTH,
} from "./JobValues"
import { JobCursor } from "./ports/JobRepository"
import { Worker } from "./Worker"

export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

export const CreateJobRequest = Schema.Struct({
  name: JobName,
  durationSeconds: DurationSeconds,
}).annotations({
  identifier: "CreateJobRequest",
  // Unknown fields are rejected rather than dropped, as the OpenAPI document's
  // additionalProperties: false promises.
  parseOptions: { errors: "all", onExcessProperty: "error" },
  // Used only when the body is not an object; invalid fields keep their own messages.
  message: () => "must be a JSON object with name and durationSeconds",
})

/** The opaque `cursor` / `nextCursor` string: base64url of the cursor's JSON. */
export const JobCursorString = Schema.compose(
  Schema.StringFromBase64Url,
  Schema.parseJson(JobCursor),
).annotations({
  identifier: "JobCursor",
  description: "Opaque cursor: the nextCursor of a previous page",
  // Overrides the base64 and JSON parser messages, which mean nothing to a client.
  message: (issue) => ({
    message: `must be the nextCursor value of a previous page, got ${formatRejectedValue(issue.actual)}`,
    override: true,
  }),
})

/**
 * The `q` parameter: search text (see JobSearch). An empty q, or one of only spaces, means
 * no search, the same as leaving q out, so a client can send an empty search box as it is.
 */
const SearchParam = Schema.optionalToOptional(
  // A repeated q arrives as an array of strings.
  Schema.String.annotations({
    message: () => ({
      message: `must be given once, as text of at most ${MAX_JOB_SEARCH_LENGTH} characters`,
      override: true,
    }),
  }),
  JobSearch,
  {
    decode: Option.filter((text) => text.trim().length > 0),
    encode: (text) => text,
  },
).annotations({
  description: `Jobs whose name contains this text (ignoring case) or whose id equals it; 1-${MAX_JOB_SEARCH_LENGTH} characters after trimming, empty means no search`,
})

export const ListJobsParams = Schema.Struct({
  status: Schema.optional(JobStatus),
  q: SearchParam,
  limit: Schema.optionalWith(
    Schema.NumberFromString.pipe(
      Schema.int(),
      Schema.between(1, MAX_PAGE_SIZE),
      Schema.annotations({
        message: (issue) => ({
          message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${formatRejectedValue(issue.actual)}`,
          override: true,
        }),
      }),
    ),
    { default: () => DEFAULT_PAGE_SIZE },
  ),
  cursor: Schema.optional(JobCursorString),
}).annotations({ parseOptions: { errors: "all" } })

export const JobPageResponse = Schema.Struct({
  items: Schema.Array(Job),
  nextCursor: Schema.NullOr(JobCursorString),
}).annotations({ identifier: "JobPage" })

/** Parameters of GET /jobs/counts: the same search as the list. */
export const CountJobsParams = Schema.Struct({ q: SearchParam }).annotations({
  parseOptions: { errors: "all" },
})

const JobCount = Schema.NonNegativeInt

/** Number of jobs in each status, every status present, and their sum in `total`. */
export const JobCountsResponse = Schema.Struct({
  PENDING: JobCount,
  RUNNING: JobCount,
  COMPLETED: JobCount,
  CANCELLED: JobCount,
  FAILED: JobCount,
  total: JobCount,
}).annotations({ identifier: "JobCounts" })

export const JobIdPath = Schema.Struct({ id: JobId })

/** A job's event log, oldest first, each event in its wire envelope. */
export const JobEventsResponse = Schema.Struct({
  items: Schema.Array(JobEventEnvelope),
}).annotations({ identifier: "JobEvents" })

/** The job store or another backing service cannot serve the request right now. */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 }),
) {}

export const ServiceState = Schema.Literal("up", "down")

export const HealthReport = Schema.Struct({
  postgres: ServiceState,
  redis: ServiceState,
}).annotations({ identifier: "HealthReport" })

/** At least one backing service does not respond. The fields name which one. */
export class Unhealthy extends Schema.TaggedError<Unhealthy>()(
  "Unhealthy",
  { message: Schema.String, postgres: ServiceState, redis: ServiceState },
  HttpApiSchema.annotations({ status: 503 }),
) {}

export class JobsGroup extends HttpApiGroup.make("jobs")
  .add(
    HttpApiEndpoint.post("createJob", "/jobs")
      .setPayload(CreateJobRequest)
      .addSuccess(Job, { status: 201 })
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Create a job that sleeps durationSeconds"),
  )
  .add(
    HttpApiEndpoint.get("listJobs", "/jobs")
      .setUrlParams(ListJobsParams)
      .addSuccess(JobPageResponse)
      .addError(ServiceUnavailable)
      .annotate(
        OpenApi.Summary,
        "List jobs newest first, with keyset pagination, by status and search text",
      ),
  )
  .add(
    HttpApiEndpoint.get("countJobs", "/jobs/counts")
      .setUrlParams(CountJobsParams)
      .addSuccess(JobCountsResponse)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Count jobs by status, optionally only those matching q"),
  )
  .add(
    HttpApiEndpoint.get("getJob", "/jobs/:id")
      .setPath(JobIdPath)
      .addSuccess(Job)
      .addError(JobNotFound, { status: 404 })
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Get one job"),
  )
  .add(
    HttpApiEndpoint.get("getJobEvents", "/jobs/:id/events")
      .setPath(JobIdPath)
      .addSuccess(JobEventsResponse)
      .addError(JobNotFound, { status: 404 })
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "List one job's events in the order they happened"),
  )
  .add(
    HttpApiEndpoint.post("cancelJob", "/jobs/:id/cancel")
      .setPath(JobIdPath)
      .addSuccess(Job)
      .addError(JobNotFound, { status: 404 })
      .addError(InvalidJobTransition, { status: 409 })
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Cancel a PENDING or RUNNING job"),
  )
  .add(
    HttpApiEndpoint.post("rerunJob", "/jobs/:id/rerun")
      .setPath(JobIdPath)
      .addSuccess(Job, { status: 201 })
      .addError(JobNotFound, { status: 404 })
      .addError(JobNotFinished, { status: 409 })
      .addError(ServiceUnavailable)
      .annotate(
        OpenApi.Summary,
        "Create a new job with the name and duration of a COMPLETED, CANCELLED or FAILED job",
      ),
  ) {}

/** One worker process: its registration, whether it is alive, and the jobs it runs now. */
export const WorkerView = Schema.Struct({
  ...Worker.fields,
  /** Not stopped, and its last heartbeat is younger than 10 s. */
  alive: Schema.Boolean,
  /** Its RUNNING jobs, oldest start first. */
  runningJobs: Schema.Array(Job),
}).annotations({ identifier: "Worker" })
export type WorkerView = typeof WorkerView.Type

export const WorkerListResponse = Schema.Struct({
  items: Schema.Array(WorkerView),
}).annotations({ identifier: "WorkerList" })

export class WorkersGroup extends HttpApiGroup.make("workers").add(
  HttpApiEndpoint.get("listWorkers", "/workers")
    .addSuccess(WorkerListResponse)
    .addError(ServiceUnavailable)
    .annotate(
      OpenApi.Summary,
      "List running workers and those stopped within the last hour, with their jobs",
    ),
) {}

export class HealthGroup extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health")
    .addSuccess(HealthReport)
    .addError(Unhealthy)
    .annotate(OpenApi.Summary, "Report whether PostgreSQL and Redis answer"),
) {}

export class JobsApi extends HttpApi.make("jobs-api")
  .add(JobsGroup)
  .add(WorkersGroup)
  .add(HealthGroup)
  .prefix("/api")
  .annotate(OpenApi.Title, "Jobs API")
  .annotate(
    OpenApi.Description,
    "Create, list, cancel and re-run dummy jobs run by a separate worker.",
  ) {}

/**
 * Handlers of the "jobs" group. HttpApi has already decoded and validated the
 * request, so each handler calls one use case and maps a store failure, or a
 * store that does not respond within STORE_TIMEOUT, to 503.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import {
  cancelJob,
  countJobs,
  createJob,
  getJob,
  getJobEvents,
  type Job,
  JobCursorString,
  type JobPage,
  type JobPageResponse,
  JobsApi,
  listJobs,
  RepositoryError,
  rerunJob,
  ServiceUnavailable,
} from "@jobs/domain"
import { Duration, Effect, Option, Schema } from "effect"

/**
 * How long a request waits for the job store. The PostgreSQL pool gives up on a
 * connection after Postgres.CONNECT_TIMEOUT (3 s), so this bound matters when an
 * open connection stops responding.
 */
export const STORE_TIMEOUT = Duration.seconds(4)

/**
 * Logs a store failure and fails with a 503 whose message is safe to show.
 * The store's own message goes to the log only.
 */
const storeUnavailable = (error: RepositoryError) =>
  Effect.logError("job store request failed").pipe(
    Effect.annotateLogs({ error: error.message }),
    Effect.zipRight(
      Effect.fail(
        new ServiceUnavailable({ message: "the job store is not available, try again later" }),
      ),
    ),
  )

/**
 * Bounds a use case by STORE_TIMEOUT and maps its RepositoryError to a 503.
 * On timeout the use case is interrupted in the background (`Effect.disconnect`),
 * so the response does not wait for a query cancellation that may hang too. The
 * use case's failure is handled here, so the runtime's "unhandled error" line for
 * the background fiber is switched off.
 *
 * NOTE: a create that times out after PostgreSQL committed it still returns 503,
 * so a client that retries can create the job twice.
 */
export const callStore = <A, E, R>(useCase: Effect.Effect<A, E | RepositoryError, R>) =>
  useCase.pipe(
    Effect.disconnect,
    Effect.withUnhandledErrorLogLevel(Option.none()),
    Effect.timeoutFail({
      duration: STORE_TIMEOUT,
      onTimeout: () =>
        new RepositoryError({
          message: `database did not respond within ${Duration.format(STORE_TIMEOUT)}`,
        }),
    }),
    Effect.catchIf(
      (error): error is RepositoryError => error instanceof RepositoryError,
      storeUnavailable,
    ),
  )

/**
 * The JSON form of one job, field for field what encoding the Job schema gives: the same
 * keys in the same order, dates as ISO 8601 strings. The return type is the schema's
 * encoded type, so the compiler rejects this function when Job gains a required field or
 * loses one.
 */
export const jobToJson = (job: Job.Job): typeof Job.Job.Encoded => ({
  id: job.id,
  name: job.name,
  durationSeconds: job.durationSeconds,
  status: job.status,
  createdAt: job.createdAt.toISOString(),
  startedAt: job.startedAt === null ? null : job.startedAt.toISOString(),
  finishedAt: job.finishedAt === null ? null : job.finishedAt.toISOString(),
  workerId: job.workerId,
  rerunOf: job.rerunOf,
  version: job.version,
})

const encodeCursor = Schema.encode(JobCursorString)

/**
 * Encodes a page as the JobPageResponse body without checking the jobs again, because each
 * job was checked when it was built or read from the store. Schema's encoding repeats those
 * checks, which took about a tenth of the server's CPU time per request (CPU profile of
 * GET /api/jobs with 20 jobs per page). The cursor keeps its schema, which defines its
 * format. A cursor that fails to encode (an invalid Date) is a defect, so a 500.
 */
export const encodeJobPage = (page: JobPage) =>
  Effect.map(
    Effect.orDie(page.next === null ? Effect.succeed(null) : encodeCursor(page.next)),
    (nextCursor): typeof JobPageResponse.Encoded => ({
      items: page.items.map(jobToJson),
      nextCursor,
    }),
  )

export const layer = HttpApiBuilder.group(JobsApi, "jobs", (handlers) =>
  handlers
    .handle("createJob", ({ payload }) => callStore(createJob(payload)))
    .handle("listJobs", ({ urlParams: { status, q, limit, cursor } }) =>
      callStore(listJobs({ status, search: q, limit, after: cursor })).pipe(
        Effect.flatMap(encodeJobPage),
        // A returned response skips HttpApi's encoding. Like HttpApi, unsafeJson sends
        // status 200 with content-type: application/json.
        Effect.map((body) => HttpServerResponse.unsafeJson(body)),
      ),
    )
    .handle("countJobs", ({ urlParams: { q } }) => callStore(countJobs(q)))
    .handle("getJob", ({ path }) => callStore(getJob(path.id)))
    .handle("getJobEvents", ({ path }) =>
      callStore(getJobEvents(path.id)).pipe(Effect.map((items) => ({ items }))),
    )
    .handle("cancelJob", ({ path }) => callStore(cancelJob(path.id)))
    .handle("rerunJob", ({ path }) => callStore(rerunJob(path.id))),
)

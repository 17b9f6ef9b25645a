/**
 * Handlers of the "jobs" group. HttpApi has already decoded and validated the
 * request, so each handler calls one use case and maps a store failure, or a
 * store that does not respond within STORE_TIMEOUT, to 503.
 */
import { HttpApiBuilder } from "@effect/platform"
import {
  cancelJob,
  countJobs,
  createJob,
  getJob,
  getJobEvents,
  type JobPage,
  JobsApi,
  listJobs,
  RepositoryError,
  rerunJob,
  ServiceUnavailable,
} from "@jobs/domain"
import { Duration, Effect, Option } from "effect"

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

const toPageResponse = (page: JobPage) => ({ items: page.items, nextCursor: page.next })

export const layer = HttpApiBuilder.group(JobsApi, "jobs", (handlers) =>
  handlers
    .handle("createJob", ({ payload }) => callStore(createJob(payload)))
    .handle("listJobs", ({ urlParams: { status, q, limit, cursor } }) =>
      callStore(listJobs({ status, search: q, limit, after: cursor })).pipe(
        Effect.map(toPageResponse),
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

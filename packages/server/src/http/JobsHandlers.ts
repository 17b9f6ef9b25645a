/**
 * Handlers of the "jobs" group. HttpApi has already decoded and validated the
 * request, so each handler calls one use case and maps a store failure to 503.
 */
import { HttpApiBuilder } from "@effect/platform"
import {
  cancelJob,
  createJob,
  getJob,
  type JobPage,
  JobsApi,
  listJobs,
  type RepositoryError,
  ServiceUnavailable,
} from "@jobs/domain"
import { Effect } from "effect"

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

const toPageResponse = (page: JobPage) => ({ items: page.items, nextCursor: page.next })

export const layer = HttpApiBuilder.group(JobsApi, "jobs", (handlers) =>
  handlers
    .handle("createJob", ({ payload }) =>
      createJob(payload).pipe(Effect.catchTag("RepositoryError", storeUnavailable)),
    )
    .handle("listJobs", ({ urlParams: { status, limit, cursor } }) =>
      listJobs({ status, limit, after: cursor }).pipe(
        Effect.map(toPageResponse),
        Effect.catchTag("RepositoryError", storeUnavailable),
      ),
    )
    .handle("getJob", ({ path }) =>
      getJob(path.id).pipe(Effect.catchTag("RepositoryError", storeUnavailable)),
    )
    .handle("cancelJob", ({ path }) =>
      cancelJob(path.id).pipe(Effect.catchTag("RepositoryError", storeUnavailable)),
    ),
)

/**
 * Query keys and request effects of the job list, its counts and the workers, shared by the
 * hooks that read them and by the live-event handler that writes to them.
 */
import { DEFAULT_PAGE_SIZE, type JobCursor, type JobId, JobSearch, JobStatus } from "@jobs/domain"
import type { QueryClient } from "@tanstack/react-query"
import { Effect, Schema } from "effect"
import { JobsClient } from "../api/JobsClient"
import type { JobCounts } from "../state/jobCounts"
import type { JobFilter, JobPage, JobPages } from "../state/jobPages"

export const jobListsKey = ["jobs", "list"] as const
export const jobListKey = (filter: JobFilter) => [...jobListsKey, filter] as const
export const jobCountsKeyRoot = ["jobs", "counts"] as const
export const jobCountsKey = (q: string) => [...jobCountsKeyRoot, q] as const
export const workersKey = ["workers"] as const

// The search box limits its length, but pasted text may still hold characters that JobSearch
// rejects: that fails here with a ParseError, before any request.
const searchParam = (q: string) =>
  q === ""
    ? Effect.succeed({})
    : Effect.map(Schema.decode(JobSearch)(q), (search) => ({ q: search }))

export const fetchJobPage = (filter: JobFilter, cursor: JobCursor | null) =>
  Effect.gen(function* () {
    const client = yield* JobsClient
    const search = yield* searchParam(filter.q)
    const page = yield* client.jobs.listJobs({
      urlParams: {
        limit: DEFAULT_PAGE_SIZE,
        ...(filter.status === null ? {} : { status: filter.status }),
        ...search,
        ...(cursor === null ? {} : { cursor }),
      },
    })
    const result: JobPage = { items: page.items, nextCursor: page.nextCursor }
    return result
  })

export const fetchJobCounts = (q: string) =>
  Effect.gen(function* () {
    const client = yield* JobsClient
    const search = yield* searchParam(q)
    return yield* client.jobs.countJobs({ urlParams: search })
  })

export const fetchJob = (id: JobId) =>
  Effect.flatMap(JobsClient, (client) => client.jobs.getJob({ path: { id } }))

export const fetchWorkers = Effect.flatMap(JobsClient, (client) => client.workers.listWorkers())

const isJobStatus = Schema.is(JobStatus)

/** Reads the filter stored in a job list's query key. */
export const filterOfKey = (key: ReadonlyArray<unknown>): JobFilter | undefined => {
  const filter = key[2]
  if (typeof filter !== "object" || filter === null || !("q" in filter) || !("status" in filter)) {
    return undefined
  }
  const { q, status } = filter
  if (typeof q !== "string") {
    return undefined
  }
  if (status === null) {
    return { q, status: null }
  }
  return isJobStatus(status) ? { q, status } : undefined
}

/** Every cached job list with its filter. */
export const cachedJobLists = (
  queryClient: QueryClient,
): ReadonlyArray<{ readonly filter: JobFilter; readonly data: JobPages }> =>
  queryClient.getQueriesData<JobPages>({ queryKey: jobListsKey }).flatMap(([key, data]) => {
    const filter = filterOfKey(key)
    return filter === undefined || data === undefined ? [] : [{ filter, data }]
  })

/** Every cached search's counts with its `q`. */
export const cachedJobCounts = (
  queryClient: QueryClient,
): ReadonlyArray<{ readonly q: string; readonly counts: JobCounts }> =>
  queryClient
    .getQueriesData<JobCounts>({ queryKey: jobCountsKeyRoot })
    .flatMap(([key, counts]) =>
      typeof key[2] === "string" && counts !== undefined ? [{ q: key[2], counts }] : [],
    )

/**
 * The job list's server state in TanStack Query, kept current by the live events.
 *
 * - `useJobList(filter)`: one infinite query per filter (status and search), read page by page
 *   with the API's keyset cursors.
 * - `useJobCounts(q)`: the number of jobs in each status for a search.
 * - `useLiveJobCache()`: the page's one subscriber that writes every job event into every
 *   cached list and count, and invalidates all queries on every (re)open of the event stream,
 *   because events sent while the stream was down are lost.
 *
 * The reasons of JobFailed and JobRequeued events are kept beside the cache, because the job JSON
 * of the API does not carry them.
 */
import { type DomainEvent, isJobEvent, Job, type JobCursor, type JobId } from "@jobs/domain"
import {
  keepPreviousData,
  type QueryClient,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query"
import { Either } from "effect"
import { useCallback, useMemo, useRef, useState } from "react"
import { useApiCall, useApiQuery } from "../api/ApiRuntimeContext"
import { applyEventToCounts, type JobCounts } from "../state/jobCounts"
import { emptyReasonMap, type ReasonMap, recordReason } from "../state/jobList"
import {
  allJobs,
  applyEventToPages,
  findJob as findJobInPages,
  type JobFilter,
  type JobPage,
  type JobPages,
  mergeFetchedPages,
  mergeJobIntoPages,
} from "../state/jobPages"
import {
  cachedJobCounts,
  cachedJobLists,
  fetchJob,
  fetchJobCounts,
  fetchJobPage,
  jobCountsKey,
  jobListKey,
} from "./jobQueries"
import { type ConnectionState, useJobEvents } from "./useJobEvents"

// The cache writes of live updates. `structuralSharing` merges a fetch result with the cache
// but stores a live write as it is, and this set marks which is which.
const liveWrites = new WeakSet<object>()

const writeLive = (queryClient: QueryClient, key: ReadonlyArray<unknown>, data: JobPages) => {
  liveWrites.add(data)
  queryClient.setQueryData(key, data)
}

// The newest state of each job the page has seen, in any list or none, so that a refetch that
// read the database before an event does not bring back the older state (see mergeFetchedPages).
// Only the most recently changed jobs are kept: a refetch races only with recent events.
const latestJobs = new Map<JobId, Job.Job>()
const LATEST_JOBS_LIMIT = 1_000

const rememberJob = (job: Job.Job | undefined) => {
  if (job === undefined || (latestJobs.get(job.id)?.version ?? 0) >= job.version) {
    return
  }
  latestJobs.delete(job.id)
  latestJobs.set(job.id, job)
  if (latestJobs.size > LATEST_JOBS_LIMIT) {
    const oldest = latestJobs.keys().next()
    if (oldest.done !== true) {
      latestJobs.delete(oldest.value)
    }
  }
}

// The counts of one search are fetched again at most once per this interval while events keep
// requesting it, so a burst of events costs one request (see refetchCounts).
const COUNTS_REFETCH_THROTTLE_MS = 1_000

export interface JobListView {
  /** The loaded jobs of the filter, newest first. */
  readonly jobs: ReadonlyArray<Job.Job>
  /** True until the first page has been loaded once. */
  readonly loading: boolean
  /** Message of the last failed load, or null. */
  readonly loadError: string | null
  readonly hasMore: boolean
  readonly loadingMore: boolean
  readonly loadMore: () => void
  readonly reload: () => void
}

export const useJobList = (filter: JobFilter): JobListView => {
  const runQuery = useApiQuery()
  const query = useInfiniteQuery({
    queryKey: jobListKey(filter),
    queryFn: ({ pageParam }) => runQuery(fetchJobPage(filter, pageParam)),
    initialPageParam: null as JobCursor | null,
    getNextPageParam: (lastPage: JobPage) => lastPage.nextCursor,
    // While a new filter's first page loads, the previous list stays on screen.
    placeholderData: keepPreviousData,
    structuralSharing: (cached, fetched) =>
      liveWrites.has(fetched as object)
        ? fetched
        : mergeFetchedPages(
            cached as JobPages | undefined,
            fetched as JobPages,
            filter,
            latestJobs,
          ),
  })

  const jobs = useMemo(() => (query.data === undefined ? [] : allJobs(query.data)), [query.data])
  const { fetchNextPage, refetch } = query

  return {
    jobs,
    loading: query.isPending,
    loadError: query.error?.message ?? null,
    hasMore: query.hasNextPage,
    loadingMore: query.isFetchingNextPage,
    loadMore: useCallback(() => void fetchNextPage(), [fetchNextPage]),
    reload: useCallback(() => void refetch(), [refetch]),
  }
}

export const useJobCounts = (q: string): JobCounts | undefined => {
  const runQuery = useApiQuery()
  const query = useQuery({
    queryKey: jobCountsKey(q),
    queryFn: () => runQuery(fetchJobCounts(q)),
    placeholderData: keepPreviousData,
  })
  return query.data
}

export interface LiveJobCache {
  readonly connection: ConnectionState
  /** Reasons from the JobFailed and JobRequeued events received; read them with `reasonFor`. */
  readonly reasons: ReasonMap
  /** Merges a job returned by an API call (create, cancel, re-run) into every cached list. */
  readonly receiveJob: (job: Job.Job) => void
  /** Fetches one job and merges it, for when the page's copy may be stale. */
  readonly refreshJob: (id: JobId) => void
  /** Any cached copy of a job, the newest version; stable, so handlers may call it. */
  readonly findJob: (id: JobId) => Job.Job | undefined
}

/** Call once per page: it subscribes to the event stream and writes into the cache. */
export const useLiveJobCache = (): LiveJobCache => {
  const queryClient = useQueryClient()
  const callApi = useApiCall()
  const [reasons, setReasons] = useState<ReasonMap>(emptyReasonMap)
  const countsRefetchAt = useRef(new Map<string, number>())
  const countsRefetchTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>())

  const findJob = useCallback(
    (id: JobId): Job.Job | undefined => {
      let newest: Job.Job | undefined
      for (const { data } of cachedJobLists(queryClient)) {
        const job = findJobInPages(data, id)
        if (job !== undefined && (newest === undefined || job.version > newest.version)) {
          newest = job
        }
      }
      return newest
    },
    [queryClient],
  )

  const receiveJob = useCallback(
    (job: Job.Job) => {
      rememberJob(job)
      for (const { filter, data } of cachedJobLists(queryClient)) {
        const next = mergeJobIntoPages(data, filter, job)
        if (next !== data) {
          writeLive(queryClient, jobListKey(filter), next)
        }
      }
    },
    [queryClient],
  )

  const refreshJob = useCallback(
    (id: JobId) => {
      void callApi(fetchJob(id)).then((result) =>
        Either.match(result, {
          onLeft: (message) => console.warn("could not refresh a job", { id, message }),
          onRight: receiveJob,
        }),
      )
    },
    [callApi, receiveJob],
  )

  // Throttled with a trailing call: an event inside the interval schedules one refetch at its
  // end, so the last event of a burst is always counted.
  const refetchCounts = useCallback(
    (q: string) => {
      if (countsRefetchTimers.current.has(q)) {
        return
      }
      const last = countsRefetchAt.current.get(q) ?? 0
      const delay = Math.max(last + COUNTS_REFETCH_THROTTLE_MS - Date.now(), 0)
      const timer = setTimeout(() => {
        countsRefetchTimers.current.delete(q)
        countsRefetchAt.current.set(q, Date.now())
        void queryClient.invalidateQueries({ queryKey: jobCountsKey(q) })
      }, delay)
      countsRefetchTimers.current.set(q, timer)
    },
    [queryClient],
  )

  const onEvent = useCallback(
    (event: DomainEvent) => {
      if (!isJobEvent(event)) {
        return
      }
      // Read before the lists change: a job leaving a filtered list is still found here.
      const known = findJob(event.jobId) ?? latestJobs.get(event.jobId)
      rememberJob(Job.applyEvent(known, event))

      let jobMissing = false
      for (const { filter, data } of cachedJobLists(queryClient)) {
        const result = applyEventToPages(data, filter, event)
        if (result.data !== data) {
          writeLive(queryClient, jobListKey(filter), result.data)
        }
        jobMissing ||= result.jobMissing
      }
      if (jobMissing) {
        refreshJob(event.jobId)
      }

      for (const { q, counts } of cachedJobCounts(queryClient)) {
        const key = jobCountsKey(q)
        // A count read by a request still in flight may or may not include this event, so the
        // request is restarted instead (invalidation cancels it and fetches again).
        if (queryClient.getQueryState(key)?.fetchStatus === "fetching") {
          void queryClient.invalidateQueries({ queryKey: key })
          continue
        }
        const update = applyEventToCounts(counts, q, event, known)
        if (update._tag === "Moved") {
          queryClient.setQueryData(key, update.counts)
        } else if (update._tag === "Refetch") {
          refetchCounts(q)
        }
      }

      setReasons((current) => recordReason(current, event))
    },
    [queryClient, findJob, refreshJob, refetchCounts],
  )

  const onOpen = useCallback(() => {
    void queryClient.invalidateQueries()
  }, [queryClient])

  const connection = useJobEvents({ onEvent, onOpen })

  return { connection, reasons, receiveJob, refreshJob, findJob }
}

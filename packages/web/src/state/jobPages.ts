/**
 * The cached pages of one filtered job list (GET /api/jobs?status=&q=), and the pure functions
 * that keep them current from live events, from single jobs returned by the API and from
 * refetches.
 *
 * Pages are read with keyset cursors: each page after the first starts after the last job of the
 * page the server returned before it. So pages never repeat or skip a job, whatever the page
 * adds or removes in between: a job created later is newer than every cursor and belongs above
 * the first page, where the live updates put it.
 *
 * A job whose status leaves a status-filtered list (a RUNNING job that completes, in the RUNNING
 * list) is removed from it at once, so the list always shows what its filter promises.
 */
import type { JobCursor, JobEvent, JobStatus } from "@jobs/domain"
import { Job } from "@jobs/domain"

/** The filter of one cached list; `q` is trimmed, and empty means no search. */
export interface JobFilter {
  readonly status: JobStatus | null
  readonly q: string
}

export interface JobPage {
  readonly items: ReadonlyArray<Job.Job>
  /** Cursor for the page after this one, or null when the server has no more jobs. */
  readonly nextCursor: JobCursor | null
}

/** The shape TanStack Query stores for an infinite query. */
export interface JobPages {
  readonly pages: ReadonlyArray<JobPage>
  readonly pageParams: ReadonlyArray<unknown>
}

/** Builds the filter of a list from the raw inputs of the page; spaces around `q` do not count. */
export const jobFilter = (status: JobStatus | null, q: string): JobFilter => ({
  status,
  q: q.trim(),
})

/**
 * Whether the job belongs in a list with this filter, by the rules of the API's search: the
 * name contains `q` ignoring case, or `q` is the job's id.
 */
export const matchesFilter = (job: Job.Job, filter: JobFilter): boolean =>
  (filter.status === null || job.status === filter.status) && Job.matchesSearch(job, filter.q)

/** Every job of the pages, in page order. */
export const allJobs = (data: JobPages): ReadonlyArray<Job.Job> =>
  data.pages.flatMap((page) => page.items)

export const findJob = (data: JobPages, id: Job.Job["id"]): Job.Job | undefined =>
  allJobs(data).find((job) => job.id === id)

const withPages = (data: JobPages, pages: ReadonlyArray<JobPage>): JobPages => ({
  pages,
  pageParams: data.pageParams,
})

/** Removes the job from its page; returns the same object when no page contains it. */
const removeJob = (data: JobPages, id: Job.Job["id"]): JobPages => {
  if (findJob(data, id) === undefined) {
    return data
  }
  return withPages(
    data,
    data.pages.map((page) =>
      page.items.some((job) => job.id === id)
        ? { ...page, items: page.items.filter((job) => job.id !== id) }
        : page,
    ),
  )
}

const replaceJob = (data: JobPages, job: Job.Job): JobPages =>
  withPages(
    data,
    data.pages.map((page) =>
      page.items.some((item) => item.id === job.id)
        ? { ...page, items: page.items.map((item) => (item.id === job.id ? job : item)) }
        : page,
    ),
  )

/**
 * Puts a job the pages do not hold at its place in the list's order. A job that sorts after the
 * last loaded job while more pages exist is left out: "Load more" will bring it.
 */
const insertJob = (data: JobPages, job: Job.Job): JobPages => {
  const pageIndex = data.pages.findIndex(
    (page, index) =>
      page.items.some((item) => Job.compareNewestFirst(job, item) < 0) ||
      (index === data.pages.length - 1 && page.nextCursor === null),
  )
  if (pageIndex === -1) {
    return data
  }
  return withPages(
    data,
    data.pages.map((page, index) =>
      index === pageIndex
        ? { ...page, items: [...page.items, job].sort(Job.compareNewestFirst) }
        : page,
    ),
  )
}

/**
 * Merges one job (from an API response or built from an event) into the pages. A newer version
 * replaces the cached one, and a job that no longer matches the filter leaves. A matching job
 * the pages lack is inserted in order. Returns the same object when nothing changes.
 */
export const mergeJobIntoPages = (data: JobPages, filter: JobFilter, job: Job.Job): JobPages => {
  const cached = findJob(data, job.id)
  if (cached !== undefined && cached.version >= job.version) {
    return data
  }
  if (!matchesFilter(job, filter)) {
    return removeJob(data, job.id)
  }
  return cached === undefined ? insertJob(data, job) : replaceJob(data, job)
}

export interface PagesEventResult {
  readonly data: JobPages
  /**
   * True when the event may bring into this list a job it does not hold, and the event alone
   * cannot build that job (it lacks the name): the caller should fetch the job and merge it with
   * `mergeJobIntoPages`.
   */
  readonly jobMissing: boolean
}

/**
 * Applies a job event to the pages with `Job.applyEvent`, which ignores an event not newer than
 * the cached job. A JobCreated builds the job from the event alone.
 */
export const applyEventToPages = (
  data: JobPages,
  filter: JobFilter,
  event: JobEvent,
): PagesEventResult => {
  const cached = findJob(data, event.jobId)
  const next = Job.applyEvent(cached, event)
  if (next !== undefined) {
    return {
      data: next === cached ? data : mergeJobIntoPages(data, filter, next),
      jobMissing: false,
    }
  }
  const couldMatch = filter.status === null || filter.status === Job.statusAfter[event._tag]
  return { data, jobMissing: couldMatch }
}

/**
 * Combines a refetched list with the cached one, for the write that ends a refetch. Events
 * applied while the request was in flight are newer than the response, so:
 * - a job takes the newest copy from the cached list and from `latest` when that copy has a
 *   higher version. `latest` is the newest state of each job the page has seen, in any list or
 *   none. The job leaves when that copy no longer matches the filter;
 * - a cached job newer than every fetched job stays on top when it still matches: it was
 *   created after the server read the list.
 */
export const mergeFetchedPages = (
  cached: JobPages | undefined,
  fetched: JobPages,
  filter: JobFilter,
  latest: ReadonlyMap<Job.Job["id"], Job.Job> = new Map(),
): JobPages => {
  // TanStack Query also passes data it already stores (placeholder data, say). Returning the
  // same object keeps its result stable, where a copy would re-render without end.
  if (cached === fetched) {
    return fetched
  }
  const cachedById = new Map(
    cached === undefined ? [] : allJobs(cached).map((job) => [job.id, job]),
  )
  const fetchedIds = new Set(allJobs(fetched).map((job) => job.id))
  const newest = (job: Job.Job): Job.Job =>
    [cachedById.get(job.id), latest.get(job.id)].reduce<Job.Job>(
      (best, copy) => (copy !== undefined && copy.version > best.version ? copy : best),
      job,
    )

  const pages = fetched.pages.map((page) => {
    const items = page.items.flatMap((job) => {
      const current = newest(job)
      return matchesFilter(current, filter) ? [current] : []
    })
    const unchanged =
      items.length === page.items.length && items.every((job, index) => job === page.items[index])
    return unchanged ? page : { ...page, items }
  })
  const pagesUnchanged = pages.every((page, index) => page === fetched.pages[index])
  if (cached === undefined) {
    return pagesUnchanged ? fetched : withPages(fetched, pages)
  }

  const [firstFetched] = allJobs(fetched)
  const createdMeanwhile = (cached.pages[0]?.items ?? [])
    .map(newest)
    .filter(
      (job) =>
        !fetchedIds.has(job.id) &&
        matchesFilter(job, filter) &&
        (firstFetched === undefined || Job.compareNewestFirst(job, firstFetched) < 0),
    )
  const [firstPage, ...rest] = pages
  if (createdMeanwhile.length === 0 || firstPage === undefined) {
    return pagesUnchanged ? fetched : withPages(fetched, pages)
  }
  return withPages(fetched, [
    { ...firstPage, items: [...createdMeanwhile, ...firstPage.items] },
    ...rest,
  ])
}

/**
 * The cache updates of the job lists and counts, driven by envelopes as the server sends them
 * over SSE (recorded from a run of the API and a worker, with fixed ids and times).
 */
import {
  decodeEventJson,
  isJobEvent,
  Job,
  type JobCursor,
  type JobEvent,
  JobId,
} from "@jobs/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { applyEventToCounts, type JobCounts } from "../src/state/jobCounts"
import {
  allJobs,
  applyEventToPages,
  type JobFilter,
  type JobPages,
  jobFilter,
  matchesFilter,
  mergeFetchedPages,
  mergeJobIntoPages,
} from "../src/state/jobPages"

const REPORT_ID = "0b8f4a52-6f1e-4c55-9a49-3c1f0d6c2a01"

/** JobCreated, JobStarted and JobCompleted of one job, as GET /api/events sent them. */
const recorded = {
  created: `{"event_type":"JobCreated","job_id":"${REPORT_ID}","timestamp":"2026-01-01T00:01:00.000Z","payload":{"name":"Nightly-Report","durationSeconds":2,"createdAt":"2026-01-01T00:01:00.000Z","rerunOf":null},"event_id":"7d1c7e3e-2b0a-4a8e-9a51-0d4f3e1a9b01","job_version":1,"producer":"api"}`,
  started: `{"event_type":"JobStarted","job_id":"${REPORT_ID}","timestamp":"2026-01-01T00:01:00.050Z","payload":{"startedAt":"2026-01-01T00:01:00.050Z","workerId":"worker-e2e"},"event_id":"7d1c7e3e-2b0a-4a8e-9a51-0d4f3e1a9b02","job_version":2,"producer":"worker-e2e"}`,
  completed: `{"event_type":"JobCompleted","job_id":"${REPORT_ID}","timestamp":"2026-01-01T00:01:02.060Z","payload":{"finishedAt":"2026-01-01T00:01:02.060Z"},"event_id":"7d1c7e3e-2b0a-4a8e-9a51-0d4f3e1a9b03","job_version":3,"producer":"worker-e2e"}`,
}

const decode = (json: string): JobEvent => {
  const event = Either.getOrThrow(decodeEventJson(json))
  if (!isJobEvent(event)) {
    throw new Error(`not a job event: ${json}`)
  }
  return event
}

const createdEvent = decode(recorded.created)
const startedEvent = decode(recorded.started)
const completedEvent = decode(recorded.completed)

/** An older job already stored, created `minute` minutes into 2026, in the given status. */
const storedJob = (index: number, status: Job.Job["status"] = "PENDING"): Job.Job =>
  new Job.Job({
    id: JobId.make(`00000000-0000-4000-8000-${String(index).padStart(12, "0")}`),
    name: `stored-${index}` as Job.Job["name"],
    durationSeconds: 1 as Job.Job["durationSeconds"],
    status,
    createdAt: new Date(Date.UTC(2025, 11, 1, 0, index)),
    startedAt: status === "PENDING" ? null : new Date(Date.UTC(2025, 11, 1, 0, index, 1)),
    finishedAt: null,
    workerId: status === "RUNNING" ? "worker-e2e" : null,
    rerunOf: null,
    version: status === "PENDING" ? 1 : 2,
  })

const cursorAfter = (job: Job.Job): JobCursor => ({ createdAt: job.createdAt, id: job.id })

/** Pages of `size` jobs each, newest first, with the cursors the server would send. */
const pagesOf = (jobs: ReadonlyArray<Job.Job>, size: number, more: boolean): JobPages => {
  if (jobs.length === 0) {
    return { pages: [{ items: [], nextCursor: null }], pageParams: [null] }
  }
  const pages: Array<JobPages["pages"][number]> = []
  for (let start = 0; start < jobs.length; start += size) {
    const items = jobs.slice(start, start + size)
    const last = items[items.length - 1]
    const isLast = start + size >= jobs.length
    const hasNext = !(isLast && !more) && last !== undefined
    pages.push({ items, nextCursor: hasNext ? cursorAfter(last) : null })
  }
  const pageParams = pages.map((_, index) =>
    index === 0 ? null : (pages[index - 1]?.nextCursor ?? null),
  )
  return { pages, pageParams }
}

const ids = (data: JobPages) => allJobs(data).map((job) => job.id)

const all: JobFilter = jobFilter(null, "")
const pending: JobFilter = jobFilter("PENDING", "")
const running: JobFilter = jobFilter("RUNNING", "")
const completedFilter: JobFilter = jobFilter("COMPLETED", "")
const reportSearch: JobFilter = jobFilter(null, "  report ")
const otherSearch: JobFilter = jobFilter(null, "backup")

/** Applies events in order to one cached list, as the live handler does. */
const replay = (data: JobPages, filter: JobFilter, events: ReadonlyArray<JobEvent>) =>
  events.reduce((current, event) => applyEventToPages(current, filter, event).data, data)

describe("job filter", () => {
  it("search ignores case and surrounding spaces", () => {
    const job = Job.applyEvent(undefined, createdEvent)
    expect(job).toBeDefined()
    if (job === undefined) return

    expect(matchesFilter(job, reportSearch)).toBe(true)
    expect(matchesFilter(job, jobFilter(null, "NIGHTLY"))).toBe(true)
    expect(matchesFilter(job, otherSearch)).toBe(false)
  })

  it("search by exact id matches, a part of the id does not", () => {
    const job = Job.applyEvent(undefined, createdEvent)
    if (job === undefined) throw new Error("JobCreated built no job")

    expect(matchesFilter(job, jobFilter(null, REPORT_ID.toUpperCase()))).toBe(true)
    expect(matchesFilter(job, jobFilter(null, REPORT_ID.slice(0, 8)))).toBe(false)
  })
})

describe("recorded events on cached lists", () => {
  const older = [storedJob(3), storedJob(2, "RUNNING"), storedJob(1)]

  it("JobCreated goes on top of every list whose filter it matches", () => {
    const lists = {
      all: pagesOf(older, 2, false),
      pending: pagesOf([storedJob(3), storedJob(1)], 2, false),
      running: pagesOf([storedJob(2, "RUNNING")], 2, false),
      report: pagesOf([], 2, false),
      backup: pagesOf([], 2, false),
    }

    expect(ids(replay(lists.all, all, [createdEvent]))[0]).toBe(REPORT_ID)
    expect(ids(replay(lists.pending, pending, [createdEvent]))[0]).toBe(REPORT_ID)
    expect(ids(replay(lists.running, running, [createdEvent]))).not.toContain(REPORT_ID)
    expect(ids(replay(lists.report, reportSearch, [createdEvent]))).toEqual([REPORT_ID])
    expect(ids(replay(lists.backup, otherSearch, [createdEvent]))).toEqual([])
  })

  it("JobStarted takes the job out of the PENDING list", () => {
    const list = replay(pagesOf([storedJob(3)], 2, false), pending, [createdEvent, startedEvent])

    expect(ids(list)).toEqual([storedJob(3).id])
  })

  it("JobStarted and JobCompleted update the job in place in the unfiltered list", () => {
    const list = replay(pagesOf(older, 2, false), all, [createdEvent, startedEvent, completedEvent])

    const job = allJobs(list)[0]
    expect(job?.id).toBe(REPORT_ID)
    expect(job?.status).toBe("COMPLETED")
    expect(job?.version).toBe(3)
    expect(ids(list)).toHaveLength(4)
  })

  it("event for a job a status list lacks asks for a fetch when the job may enter it", () => {
    const runningList = pagesOf([storedJob(2, "RUNNING")], 2, false)
    const completedList = pagesOf([], 2, false)

    expect(applyEventToPages(runningList, running, startedEvent).jobMissing).toBe(true)
    expect(applyEventToPages(completedList, completedFilter, startedEvent).jobMissing).toBe(false)
    expect(applyEventToPages(completedList, completedFilter, completedEvent).jobMissing).toBe(true)
  })

  it("fetched job enters a status list in order", () => {
    const runningList = pagesOf([storedJob(2, "RUNNING")], 2, false)
    const created = Job.applyEvent(undefined, createdEvent)
    const started = Job.applyEvent(created, startedEvent)
    if (started === undefined) throw new Error("JobStarted built no job")

    const merged = mergeJobIntoPages(runningList, running, started)

    expect(ids(merged)).toEqual([REPORT_ID, storedJob(2).id])
  })

  it("repeated or older event changes nothing", () => {
    const list = replay(pagesOf(older, 2, false), all, [createdEvent, startedEvent])

    expect(replay(list, all, [startedEvent])).toBe(list)
    expect(replay(list, all, [createdEvent])).toBe(list)
  })
})

describe("load more while jobs arrive", () => {
  // 5 stored jobs, pages of 2: the first two pages are loaded, the third is not yet.
  const stored = [5, 4, 3, 2, 1].map((index) => storedJob(index))
  const server = (after: JobCursor | null) => {
    const start = after === null ? 0 : stored.findIndex((job) => job.id === after.id) + 1
    const items = stored.slice(start, start + 2)
    const last = items[items.length - 1]
    const more = start + 2 < stored.length
    return { items, nextCursor: more && last !== undefined ? cursorAfter(last) : null }
  }

  it("new job appears once on top and the next page neither repeats nor skips", () => {
    const first = server(null)
    const second = server(first.nextCursor)
    const loaded: JobPages = {
      pages: [first, second],
      pageParams: [null, first.nextCursor],
    }

    const live = applyEventToPages(loaded, all, createdEvent).data
    const third = server(second.nextCursor)
    const afterLoadMore = mergeFetchedPages(
      live,
      { pages: [...live.pages, third], pageParams: [...live.pageParams, second.nextCursor] },
      all,
    )

    expect(ids(afterLoadMore)).toEqual([REPORT_ID, ...stored.map((job) => job.id)])
    expect(new Set(ids(afterLoadMore)).size).toBe(ids(afterLoadMore).length)
    expect(third.nextCursor).toBeNull()
  })

  it("new job older than the loaded pages waits for load more", () => {
    const loaded = pagesOf(stored.slice(0, 2), 2, true)
    const oldJob = storedJob(0)

    expect(mergeJobIntoPages(loaded, all, oldJob)).toBe(loaded)
  })

  it("refetch keeps a newer cached version and a job created meanwhile", () => {
    const loaded = pagesOf(stored.slice(0, 2), 2, true)
    const live = replay(loaded, all, [createdEvent, startedEvent])
    // The server read the list before the job existed.
    const fetched = pagesOf(stored.slice(0, 2), 2, true)

    const merged = mergeFetchedPages(live, fetched, all)

    expect(ids(merged)).toEqual([REPORT_ID, stored[0]?.id, stored[1]?.id])
    expect(allJobs(merged)[0]?.status).toBe("RUNNING")
  })

  it("refetch drops a job whose newer copy left the filter", () => {
    const loaded = replay(pagesOf([storedJob(3)], 2, false), pending, [createdEvent])
    const live = replay(loaded, pending, [startedEvent])
    const createdJob = Job.applyEvent(undefined, createdEvent)
    const startedJob = Job.applyEvent(createdJob, startedEvent)
    if (createdJob === undefined || startedJob === undefined) throw new Error("no job built")
    // The server read the list before the job started.
    const fetched = pagesOf([createdJob, storedJob(3)], 2, false)
    const latest = new Map([[startedJob.id, startedJob]])

    expect(ids(mergeFetchedPages(live, fetched, pending, latest))).toEqual([storedJob(3).id])
  })
})

describe("counts", () => {
  const counts: JobCounts = {
    PENDING: 2,
    RUNNING: 1,
    COMPLETED: 4,
    CANCELLED: 0,
    FAILED: 0,
    total: 7,
  }
  const moved = (q: string, event: JobEvent, known?: { readonly name: string }) => {
    const update = applyEventToCounts(counts, q, event, known)
    return update._tag === "Moved" ? update.counts : update._tag
  }

  it("JobCreated adds one PENDING job and one to the total", () => {
    expect(moved("", createdEvent)).toEqual({ ...counts, PENDING: 3, total: 8 })
  })

  it("JobStarted and JobCompleted each move one count", () => {
    expect(moved("", startedEvent)).toEqual({ ...counts, PENDING: 1, RUNNING: 2 })
    expect(moved("", completedEvent)).toEqual({ ...counts, RUNNING: 0, COMPLETED: 5 })
  })

  it("search counts move only for a matching name", () => {
    expect(moved("report", createdEvent)).toEqual({ ...counts, PENDING: 3, total: 8 })
    expect(moved("backup", createdEvent)).toBe("Unchanged")
    expect(moved("report", startedEvent, { name: "Nightly-Report" })).toEqual({
      ...counts,
      PENDING: 1,
      RUNNING: 2,
    })
  })

  it("search counts ask for a refetch when the job's name is unknown", () => {
    expect(moved("report", startedEvent)).toBe("Refetch")
  })
})

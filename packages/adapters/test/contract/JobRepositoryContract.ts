/**
 * The behaviour every JobRepository adapter must show. Each adapter's test file calls
 * `jobRepositoryContract` with a layer that provides an EMPTY repository: every test builds
 * the layer anew, so tests see only the jobs they insert.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  type Job,
  type JobCreated,
  type JobEvent,
  type JobId,
  JobRepository,
  JobSearch,
  type JobStatus,
} from "@jobs/domain"
import { Effect, Layer, Option } from "effect"
import {
  cancelled,
  completed,
  created,
  failed,
  newJobId,
  type PendingJobOptions,
  pendingJob,
  released,
  rerunCreated,
  started,
  TEST_WORKER,
} from "../support/JobFixtures"
import { warningsOnly } from "../support/TestLogs"

const at = (iso: string): Date => new Date(iso)

const idsOf = (jobs: ReadonlyArray<Job.Job>): ReadonlyArray<JobId> => jobs.map((job) => job.id)

const byIdDescending = (a: Job.Job, b: Job.Job): number => {
  if (a.id === b.id) {
    return 0
  }
  return a.id < b.id ? 1 : -1
}

// The order the port promises: createdAt descending, then id descending.
const newestFirst = (jobs: ReadonlyArray<Job.Job>): ReadonlyArray<Job.Job> =>
  [...jobs].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || byIdDescending(a, b))

type Step = (job: Job.Job) => Job.Transition<JobEvent>

interface StoredLife {
  /** The job after the last step. */
  readonly job: Job.Job
  /** Every event written, JobCreated first. */
  readonly events: ReadonlyArray<JobEvent>
}

/**
 * Inserts the created job, then stores each step's transition with a conditional update
 * from the previous status, as the use cases do. Dies when an update is rejected.
 */
const storeLife = (creation: Job.Transition<JobCreated>, ...steps: ReadonlyArray<Step>) =>
  Effect.gen(function* () {
    const repository = yield* JobRepository
    yield* repository.insert(creation.job, creation.event)
    let job = creation.job
    const events: Array<JobEvent> = [creation.event]
    for (const step of steps) {
      const transition = step(job)
      const stored = yield* repository.update(transition.job, job.status, transition.event)
      if (Option.isNone(stored)) {
        return yield* Effect.dieMessage(`update to ${transition.job.status} was rejected`)
      }
      job = transition.job
      events.push(transition.event)
    }
    return { job, events } satisfies StoredLife
  })

const storePending = (options: PendingJobOptions = {}) =>
  Effect.map(storeLife(created(options)), (life) => life.job)

const storeRunning = (options: PendingJobOptions = {}, workerId: string = TEST_WORKER) =>
  Effect.map(
    storeLife(created(options), (job) => started(job, workerId)),
    (life) => life.job,
  )

const storeCompleted = (options: PendingJobOptions = {}) =>
  Effect.map(storeLife(created(options), started, completed), (life) => life.job)

const storeAll = (jobs: ReadonlyArray<Effect.Effect<Job.Job, unknown, JobRepository>>) =>
  Effect.all(jobs)

/** Reads every page of the list with `limit`, following `next` until it is null. */
const readAllPages = (limit: number, status?: JobStatus, search?: JobSearch) =>
  Effect.gen(function* () {
    const repository = yield* JobRepository
    const pages: Array<ReadonlyArray<Job.Job>> = []
    let after: { createdAt: Date; id: JobId } | undefined
    for (;;) {
      const page = yield* repository.list({ status, search, limit, after })
      pages.push(page.items)
      if (page.next === null) {
        return pages
      }
      after = page.next
    }
  })

export const jobRepositoryContract = (
  name: string,
  layer: Layer.Layer<JobRepository, unknown>,
): void => {
  describe(name, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, JobRepository>) =>
      it.live(title, () =>
        body.pipe(Effect.provide(Layer.fresh(layer)), Effect.provide(warningsOnly)),
      )

    describe("jobs", () => {
      test(
        "insert then findById returns an equal job",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const pending = yield* storePending({ createdAt: at("2024-05-01T10:20:30.123Z") })
          const completedJob = yield* storeCompleted({ createdAt: at("2024-05-01T10:20:31.456Z") })

          const foundPending = Option.getOrThrow(yield* repository.findById(pending.id))
          const foundCompleted = Option.getOrThrow(yield* repository.findById(completedJob.id))
          expect(foundPending).toEqual(pending)
          expect(foundCompleted).toEqual(completedJob)
          expect(foundCompleted.createdAt.getTime()).toBe(completedJob.createdAt.getTime())
          expect(foundCompleted.startedAt?.getTime()).toBe(completedJob.startedAt?.getTime())
          expect(foundCompleted.finishedAt?.getTime()).toBe(completedJob.finishedAt?.getTime())
          expect(foundCompleted.workerId).toBe(TEST_WORKER)
        }),
      )

      test(
        "rerunOf round-trips through insert, findById, list and the event log",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const original = yield* storeCompleted()
          const rerun = rerunCreated(original)

          yield* repository.insert(rerun.job, rerun.event)

          const found = Option.getOrThrow(yield* repository.findById(rerun.job.id))
          const listed = (yield* repository.list({ limit: 10 })).items
          const [loggedEvent] = yield* repository.listEvents(rerun.job.id)
          expect(found).toEqual(rerun.job)
          expect(found.rerunOf).toBe(original.id)
          expect(listed.find((job) => job.id === rerun.job.id)?.rerunOf).toBe(original.id)
          expect(listed.find((job) => job.id === original.id)?.rerunOf).toBeNull()
          expect(rerun.event.rerunOf).toBe(original.id)
          expect(loggedEvent).toEqual(rerun.event)
        }),
      )

      test(
        "findById of an unknown id returns None",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const found = yield* repository.findById(newJobId())
          expect(Option.isNone(found)).toBe(true)
        }),
      )

      test(
        "insert of a duplicate id fails and logs no event",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const first = created()
          yield* repository.insert(first.job, first.event)
          const duplicate = created({ id: first.job.id })

          const error = yield* Effect.flip(repository.insert(duplicate.job, duplicate.event))

          expect(error._tag).toBe("RepositoryError")
          expect(error.message).toContain("already exists")
          expect(yield* repository.listEvents(first.job.id)).toEqual([first.event])
        }),
      )

      test(
        "oldestPending returns PENDING jobs oldest first, up to the limit",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const [middle, , oldest, newest] = yield* storeAll([
            storePending({ createdAt: at("2024-01-01T00:00:00.001Z") }),
            storeRunning({ createdAt: at("2023-12-31T00:00:00.000Z") }),
            storePending({ createdAt: at("2024-01-01T00:00:00.000Z") }),
            storePending({ createdAt: at("2024-01-02T00:00:00.000Z") }),
          ])

          expect(idsOf(yield* repository.oldestPending(2))).toEqual([oldest?.id, middle?.id])
          expect(idsOf(yield* repository.oldestPending(10))).toEqual([
            oldest?.id,
            middle?.id,
            newest?.id,
          ])
        }),
      )

      test(
        "list returns jobs newest first",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const [middle, newest, oldest] = yield* storeAll([
            storePending({ createdAt: at("2024-01-01T00:00:00.001Z") }),
            storePending({ createdAt: at("2024-01-02T00:00:00.000Z") }),
            storePending({ createdAt: at("2024-01-01T00:00:00.000Z") }),
          ])

          const page = yield* repository.list({ limit: 10 })

          expect(idsOf(page.items)).toEqual([newest?.id, middle?.id, oldest?.id])
          expect(page.next).toBeNull()
        }),
      )

      test(
        "list with a status returns only jobs of that status",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const [, running] = yield* storeAll([storePending(), storeRunning(), storeCompleted()])

          const runningPage = yield* repository.list({ status: "RUNNING", limit: 10 })
          const failedPage = yield* repository.list({ status: "FAILED", limit: 10 })

          expect(idsOf(runningPage.items)).toEqual([running?.id])
          expect(failedPage.items).toEqual([])
        }),
      )

      test(
        "list honours the limit and returns the cursor of the last item",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const jobs = yield* storeAll(
            [1, 2, 3].map((second) =>
              storePending({ createdAt: at(`2024-03-01T00:00:0${second}.000Z`) }),
            ),
          )
          const [third, second] = newestFirst(jobs)

          const page = yield* repository.list({ limit: 2 })

          expect(idsOf(page.items)).toEqual([third?.id, second?.id])
          expect(page.next).toEqual({ createdAt: second?.createdAt, id: second?.id })
        }),
      )

      test(
        "list returns a null cursor when the page ends exactly at the last job",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          yield* storeAll([storePending(), storePending()])

          const page = yield* repository.list({ limit: 2 })

          expect(page.items).toHaveLength(2)
          expect(page.next).toBeNull()
        }),
      )

      test(
        "pages cover jobs with equal createdAt without gaps or repeats",
        Effect.gen(function* () {
          const sameInstant = at("2024-04-01T12:00:00.000Z")
          const jobs = yield* storeAll([
            ...Array.from({ length: 5 }, () => storePending({ createdAt: sameInstant })),
            storePending({ createdAt: at("2024-04-01T12:00:00.001Z") }),
            storePending({ createdAt: at("2024-04-01T11:59:59.999Z") }),
          ])

          const pages = yield* readAllPages(2)

          expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1])
          expect(idsOf(pages.flat())).toEqual(idsOf(newestFirst(jobs)))
        }),
      )

      test(
        "pages with a status filter skip other statuses",
        Effect.gen(function* () {
          const sameInstant = at("2024-04-02T08:00:00.000Z")
          yield* storeAll(Array.from({ length: 3 }, () => storePending({ createdAt: sameInstant })))
          const running = yield* storeAll(
            Array.from({ length: 3 }, () => storeRunning({ createdAt: sameInstant })),
          )

          const pages = yield* readAllPages(2, "RUNNING")

          expect(idsOf(pages.flat())).toEqual(idsOf(newestFirst(running)))
        }),
      )
    })

    describe("search and counts", () => {
      const search = (text: string): JobSearch => JobSearch.make(text)

      /** The ids of the first page of at most 100 jobs matching `text`. */
      const searchIds = (text: string, status?: JobStatus) =>
        Effect.flatMap(JobRepository, (repository) =>
          repository.list({ search: search(text), status, limit: 100 }),
        ).pipe(Effect.map((page) => idsOf(page.items)))

      test(
        "search matches part of a name, ignoring case",
        Effect.gen(function* () {
          const [nightly, weekly] = yield* storeAll([
            storePending({ name: "Nightly Report", createdAt: at("2024-07-01T00:00:00.000Z") }),
            storePending({ name: "weekly REPORT copy", createdAt: at("2024-07-02T00:00:00.000Z") }),
            storePending({ name: "backup", createdAt: at("2024-07-03T00:00:00.000Z") }),
          ])

          expect(yield* searchIds("report")).toEqual([weekly?.id, nightly?.id])
          expect(yield* searchIds("RePoRt")).toEqual([weekly?.id, nightly?.id])
          expect(yield* searchIds("ly rep")).toEqual([weekly?.id, nightly?.id])
          expect(yield* searchIds("nightly report")).toEqual([nightly?.id])
          expect(yield* searchIds("restore")).toEqual([])
        }),
      )

      test(
        "search treats % _ and backslash as plain characters",
        Effect.gen(function* () {
          const [percent, , underscore, , backslash] = yield* storeAll([
            storePending({ name: "100% done" }),
            storePending({ name: "1000 done" }),
            storePending({ name: "a_b" }),
            storePending({ name: "axb" }),
            storePending({ name: "back\\slash" }),
            storePending({ name: "backslash" }),
          ])

          expect(yield* searchIds("0%")).toEqual([percent?.id])
          expect(yield* searchIds("%")).toEqual([percent?.id])
          expect(yield* searchIds("a_b")).toEqual([underscore?.id])
          expect(yield* searchIds("_")).toEqual([underscore?.id])
          expect(yield* searchIds("k\\s")).toEqual([backslash?.id])
          expect(yield* searchIds("\\")).toEqual([backslash?.id])
        }),
      )

      test(
        "search by a job id returns that job",
        Effect.gen(function* () {
          const [wanted] = yield* storeAll([storePending(), storePending()])
          const id = wanted?.id ?? ""

          expect(yield* searchIds(id)).toEqual([id])
          expect(yield* searchIds(id.toUpperCase())).toEqual([id])
          expect(yield* searchIds(newJobId())).toEqual([])
          expect(yield* searchIds(id.slice(0, 8))).toEqual([])
        }),
      )

      test(
        "search combines with a status filter",
        Effect.gen(function* () {
          const [, runningReport] = yield* storeAll([
            storePending({ name: "report a" }),
            storeRunning({ name: "report b" }),
            storeRunning({ name: "backup" }),
          ])

          expect(yield* searchIds("report", "RUNNING")).toEqual([runningReport?.id])
          expect(yield* searchIds("report", "FAILED")).toEqual([])
        }),
      )

      test(
        "search pages continue after the cursor while jobs are added",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const sameInstant = at("2024-08-01T12:00:00.000Z")
          const matching = yield* storeAll([
            ...Array.from({ length: 3 }, () =>
              storePending({ name: "export part", createdAt: sameInstant }),
            ),
            storePending({ name: "EXPORT early", createdAt: at("2024-08-01T11:00:00.000Z") }),
            storePending({ name: "late export", createdAt: at("2024-08-01T13:00:00.000Z") }),
          ])
          yield* storeAll([
            storePending({ name: "import", createdAt: sameInstant }),
            storePending({ name: "import", createdAt: at("2024-08-01T12:30:00.000Z") }),
          ])

          const seen: Array<Job.Job> = []
          const added: Array<Job.Job> = []
          let page = yield* repository.list({ search: search("export"), limit: 2 })
          for (;;) {
            seen.push(...page.items)
            if (page.next === null) {
              break
            }
            // New matching jobs arrive between two page requests, newer than the cursor.
            added.push(yield* storePending({ name: "export added later" }))
            page = yield* repository.list({ search: search("export"), limit: 2, after: page.next })
          }

          const reread = (yield* readAllPages(2, undefined, search("export"))).flat()

          expect(idsOf(seen)).toEqual(idsOf(newestFirst(matching)))
          expect(added).toHaveLength(2)
          expect(idsOf(reread)).toEqual(idsOf(newestFirst([...matching, ...added])))
        }),
      )

      test(
        "countByStatus returns every status, 0 included",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const empty = yield* repository.countByStatus()
          yield* storeAll([storePending(), storePending(), storeRunning(), storeCompleted()])

          const counts = yield* repository.countByStatus()

          expect(empty).toEqual({ PENDING: 0, RUNNING: 0, COMPLETED: 0, CANCELLED: 0, FAILED: 0 })
          expect(counts).toEqual({ PENDING: 2, RUNNING: 1, COMPLETED: 1, CANCELLED: 0, FAILED: 0 })
        }),
      )

      test(
        "countByStatus with a search counts only matching jobs",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const [reportJob] = yield* storeAll([
            storePending({ name: "Report 1" }),
            storeRunning({ name: "report 2" }),
            storeCompleted({ name: "REPORT 3" }),
            storeCompleted({ name: "backup" }),
            storePending({ name: "100% backup" }),
          ])

          const reports = yield* repository.countByStatus(search("report"))
          const byId = yield* repository.countByStatus(search(reportJob?.id ?? ""))
          const percent = yield* repository.countByStatus(search("%"))
          const none = yield* repository.countByStatus(search("restore"))

          expect(reports).toEqual({ PENDING: 1, RUNNING: 1, COMPLETED: 1, CANCELLED: 0, FAILED: 0 })
          expect(byId).toEqual({ PENDING: 1, RUNNING: 0, COMPLETED: 0, CANCELLED: 0, FAILED: 0 })
          expect(percent).toEqual({ PENDING: 1, RUNNING: 0, COMPLETED: 0, CANCELLED: 0, FAILED: 0 })
          expect(none).toEqual({ PENDING: 0, RUNNING: 0, COMPLETED: 0, CANCELLED: 0, FAILED: 0 })
        }),
      )
    })

    describe("updates and the event log", () => {
      test(
        "insert stores the JobCreated event in the log",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const creation = created()

          yield* repository.insert(creation.job, creation.event)

          expect(yield* repository.listEvents(creation.job.id)).toEqual([creation.event])
        }),
      )

      test(
        "update from the expected status stores the job and appends its event",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const creation = created()
          yield* repository.insert(creation.job, creation.event)
          const start = started(creation.job)

          const stored = yield* repository.update(start.job, "PENDING", start.event)

          expect(Option.getOrThrow(stored)).toEqual(start.job)
          expect(Option.getOrThrow(yield* repository.findById(start.job.id))).toEqual(start.job)
          expect(yield* repository.listEvents(start.job.id)).toEqual([creation.event, start.event])
        }),
      )

      test(
        "update from a wrong status returns None and writes nothing",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const creation = created()
          yield* repository.insert(creation.job, creation.event)
          const start = started(creation.job)

          const stored = yield* repository.update(start.job, "RUNNING", start.event)

          expect(Option.isNone(stored)).toBe(true)
          expect(Option.getOrThrow(yield* repository.findById(creation.job.id))).toEqual(
            creation.job,
          )
          expect(yield* repository.listEvents(creation.job.id)).toEqual([creation.event])
        }),
      )

      test(
        "update of an unknown job returns None and logs nothing",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const start = started(pendingJob())

          const stored = yield* repository.update(start.job, "PENDING", start.event)

          expect(Option.isNone(stored)).toBe(true)
          expect(yield* repository.listEvents(start.job.id)).toEqual([])
        }),
      )

      test(
        "of 20 concurrent updates exactly one succeeds and logs its event",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const creation = created()
          yield* repository.insert(creation.job, creation.event)
          // Half try to start the job and half to cancel it, all expecting PENDING.
          const attempts = Array.from({ length: 20 }, (_, i) =>
            i % 2 === 0 ? started(creation.job, `worker-${i}`) : cancelled(creation.job),
          )

          const results = yield* Effect.all(
            attempts.map(({ job, event }) => repository.update(job, "PENDING", event)),
            { concurrency: "unbounded" },
          )

          const winners = attempts.filter((_, i) => Option.isSome(results[i] ?? Option.none()))
          expect(winners).toHaveLength(1)
          const [winner] = winners
          expect(Option.getOrThrow(yield* repository.findById(creation.job.id))).toEqual(
            winner?.job,
          )
          expect(yield* repository.listEvents(creation.job.id)).toEqual([
            creation.event,
            winner?.event,
          ])
        }),
      )

      test(
        "listEvents round-trips all six event types in order",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const requeuedThenCompleted = yield* storeLife(
            created(),
            (job) => started(job, "worker-a"),
            released,
            (job) => started(job, "worker-b"),
            completed,
          )
          const cancelledWhileRunning = yield* storeLife(created(), started, cancelled)
          const failedWhileRunning = yield* storeLife(created(), started, failed)
          const lives = [requeuedThenCompleted, cancelledWhileRunning, failedWhileRunning]

          const logs = yield* Effect.forEach(lives, (life) => repository.listEvents(life.job.id))

          expect(logs).toEqual(lives.map((life) => life.events))
          expect(logs[0]?.map((event) => event.jobVersion)).toEqual([1, 2, 3, 4, 5])
          expect(new Set(logs.flat().map((event) => event._tag))).toEqual(
            new Set([
              "JobCreated",
              "JobStarted",
              "JobCompleted",
              "JobCancelled",
              "JobFailed",
              "JobRequeued",
            ]),
          )
        }),
      )

      test(
        "listEvents of an unknown job returns no events",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          expect(yield* repository.listEvents(newJobId())).toEqual([])
        }),
      )
    })

    describe("batches", () => {
      test(
        "insertMany stores every job with its event, and findByIds returns those that exist",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const added = [created({ name: "first" }), created({ name: "second" })]

          yield* repository.insertMany(added)

          const found = yield* repository.findByIds([
            added[1]?.job.id ?? newJobId(),
            newJobId(),
            added[0]?.job.id ?? newJobId(),
          ])
          expect([...found].sort(byIdDescending)).toEqual(
            added.map((creation) => creation.job).sort(byIdDescending),
          )
          for (const creation of added) {
            expect(yield* repository.listEvents(creation.job.id)).toEqual([creation.event])
          }
          expect(yield* repository.findByIds([])).toEqual([])
        }),
      )

      test(
        "insertMany with one duplicate id stores none of the jobs",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const existing = yield* storePending()
          const fresh = created()

          const error = yield* Effect.flip(
            repository.insertMany([fresh, created({ id: existing.id })]),
          )

          expect(error._tag).toBe("RepositoryError")
          expect(error.message).toContain("already exists")
          expect(yield* repository.findByIds([fresh.job.id])).toEqual([])
          expect(yield* repository.listEvents(fresh.job.id)).toEqual([])
        }),
      )

      test(
        "updateMany applies each change whose condition holds and returns those jobs",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const [first, second, third] = yield* storeAll([
            storePending(),
            storePending(),
            storeRunning(),
          ])
          if (first === undefined || second === undefined || third === undefined) {
            return yield* Effect.dieMessage("three jobs were stored")
          }
          const startFirst = started(first)
          const startSecond = started(second)
          // Expects PENDING, but the job is RUNNING: this change is skipped.
          const stale = started(pendingJob({ id: third.id }))

          const stored = yield* repository.updateMany([
            { next: startFirst.job, expected: "PENDING", event: startFirst.event },
            { next: stale.job, expected: "PENDING", event: stale.event },
            { next: startSecond.job, expected: "PENDING", event: startSecond.event },
          ])

          expect([...stored].sort(byIdDescending)).toEqual(
            [startFirst.job, startSecond.job].sort(byIdDescending),
          )
          expect(Option.getOrThrow(yield* repository.findById(third.id))).toEqual(third)
          expect(yield* repository.listEvents(first.id)).toHaveLength(2)
          expect(yield* repository.listEvents(third.id)).toHaveLength(2)
          expect(yield* repository.updateMany([])).toEqual([])
        }),
      )

      test(
        "update is refused when the job changed and came back to the expected status",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const pending = yield* storePending()
          const claim = started(pending)
          yield* repository.update(claim.job, "PENDING", claim.event)
          const requeue = released(claim.job)
          yield* repository.update(requeue.job, "RUNNING", requeue.event)
          // Another worker read the job at version 1 and claims it now: the job is PENDING
          // again, but at version 3, so the claim must not overwrite it.
          const late = started(pending, "worker-late")

          expect(yield* repository.update(late.job, "PENDING", late.event)).toEqual(Option.none())
          expect(Option.getOrThrow(yield* repository.findById(pending.id))).toEqual(requeue.job)
          expect(yield* repository.listEvents(pending.id)).toHaveLength(3)
        }),
      )
    })

    describe("heartbeats and stale jobs", () => {
      // Jobs in these tests start one second after they are created, at 00:00:01.
      const createdAt = at("2024-06-01T00:00:00.000Z")
      const second = (n: number): Date => new Date(createdAt.getTime() + n * 1000)

      test(
        "heartbeat of the owning worker returns true and records the time",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const job = yield* storeRunning({ createdAt }, "worker-a")

          const recorded = yield* repository.heartbeat(job.id, "worker-a", second(10))

          expect(recorded).toBe(true)
          expect(yield* repository.findStale(second(5), 10)).toEqual([])
          expect(yield* repository.findStale(second(11), 10)).toEqual([job])
        }),
      )

      test(
        "heartbeat from another worker returns false and records nothing",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const job = yield* storeRunning({ createdAt }, "worker-a")

          const recorded = yield* repository.heartbeat(job.id, "worker-b", second(10))

          expect(recorded).toBe(false)
          expect(yield* repository.findStale(second(5), 10)).toEqual([job])
        }),
      )

      test(
        "heartbeat of a job that is not RUNNING returns false",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const pending = yield* storePending({ createdAt })
          const cancelledJob = (yield* storeLife(created({ createdAt }), cancelled)).job
          const completedJob = yield* storeCompleted({ createdAt })

          const beats = yield* Effect.forEach([pending, cancelledJob, completedJob], (job) =>
            repository.heartbeat(job.id, TEST_WORKER, second(10)),
          )
          const unknown = yield* repository.heartbeat(newJobId(), TEST_WORKER, second(10))

          expect(completedJob.workerId).toBe(TEST_WORKER)
          expect(beats).toEqual([false, false, false])
          expect(unknown).toBe(false)
        }),
      )

      test(
        "findStale returns RUNNING jobs older than the cutoff, oldest first",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const startedFirst = yield* storeRunning({ createdAt: second(0) })
          const beating = yield* storeRunning({ createdAt: second(1) })
          const startedLater = yield* storeRunning({ createdAt: second(2) })
          yield* storePending({ createdAt: second(0) })
          yield* storeCompleted({ createdAt: second(0) })
          yield* repository.heartbeat(beating.id, TEST_WORKER, second(10))

          const beforeTheBeat = yield* repository.findStale(second(5), 10)
          const afterTheBeat = yield* repository.findStale(second(11), 10)

          expect(idsOf(beforeTheBeat)).toEqual([startedFirst.id, startedLater.id])
          expect(idsOf(afterTheBeat)).toEqual([startedFirst.id, startedLater.id, beating.id])
        }),
      )

      test(
        "findStale excludes a job started exactly at the cutoff",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const job = yield* storeRunning({ createdAt })

          expect(yield* repository.findStale(second(1), 10)).toEqual([])
          expect(idsOf(yield* repository.findStale(second(2), 10))).toEqual([job.id])
        }),
      )

      test(
        "findStale honours the limit",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const jobs = yield* storeAll([0, 1, 2].map((n) => storeRunning({ createdAt: second(n) })))

          const stale = yield* repository.findStale(second(60), 2)

          expect(idsOf(stale)).toEqual(idsOf(jobs.slice(0, 2)))
        }),
      )

      test(
        "findStale ignores heartbeats of an earlier run",
        Effect.gen(function* () {
          const repository = yield* JobRepository
          const creation = created({ createdAt })
          yield* repository.insert(creation.job, creation.event)
          const firstRun = started(creation.job, "worker-a")
          yield* repository.update(firstRun.job, "PENDING", firstRun.event)
          yield* repository.heartbeat(creation.job.id, "worker-a", second(2))
          const requeue = released(firstRun.job)
          yield* repository.update(requeue.job, "RUNNING", requeue.event)
          const secondRun = started(requeue.job, "worker-b", second(20))
          yield* repository.update(secondRun.job, "PENDING", secondRun.event)

          const restarted = Option.getOrThrow(yield* repository.findById(creation.job.id))
          const stale = yield* repository.findStale(second(10), 10)
          const oldWorkerBeat = yield* repository.heartbeat(creation.job.id, "worker-a", second(21))

          expect(restarted.workerId).toBe("worker-b")
          expect(stale).toEqual([])
          expect(oldWorkerBeat).toBe(false)
        }),
      )
    })
  })
}

/**
 * The behaviour every JobRepository adapter must show. Each adapter's test file calls
 * `jobRepositoryContract` with a layer that provides an EMPTY repository: every test builds
 * the layer anew, so tests see only the jobs they insert.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Job, type JobId, JobRepository, type JobStatus } from "@jobs/domain"
import { Effect, Layer, Option } from "effect"
import {
  cancelled,
  completedJob,
  newJobId,
  pendingJob,
  runningJob,
  started,
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

const insertAll = (jobs: ReadonlyArray<Job.Job>) =>
  Effect.flatMap(JobRepository, (repository) =>
    Effect.forEach(jobs, (job) => repository.insert(job), { discard: true }),
  )

/** Reads every page of the list with `limit`, following `next` until it is null. */
const readAllPages = (limit: number, status?: JobStatus) =>
  Effect.gen(function* () {
    const repository = yield* JobRepository
    const pages: Array<ReadonlyArray<Job.Job>> = []
    let after: { createdAt: Date; id: JobId } | undefined
    for (;;) {
      const page = yield* repository.list({ status, limit, after })
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

    test(
      "insert then findById returns an equal job",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const pending = pendingJob({ createdAt: at("2024-05-01T10:20:30.123Z") })
        const completed = completedJob({ createdAt: at("2024-05-01T10:20:31.456Z") })

        yield* repository.insert(pending)
        yield* repository.insert(completed)

        const foundPending = Option.getOrThrow(yield* repository.findById(pending.id))
        const foundCompleted = Option.getOrThrow(yield* repository.findById(completed.id))
        expect(foundPending).toEqual(pending)
        expect(foundCompleted).toEqual(completed)
        expect(foundCompleted.createdAt.getTime()).toBe(completed.createdAt.getTime())
        expect(foundCompleted.startedAt?.getTime()).toBe(completed.startedAt?.getTime())
        expect(foundCompleted.finishedAt?.getTime()).toBe(completed.finishedAt?.getTime())
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
      "insert of a duplicate id fails with RepositoryError",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const job = pendingJob()
        yield* repository.insert(job)

        const error = yield* Effect.flip(repository.insert(pendingJob({ id: job.id })))

        expect(error._tag).toBe("RepositoryError")
        expect(error.message).toContain("already exists")
      }),
    )

    test(
      "list returns jobs newest first",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const oldest = pendingJob({ createdAt: at("2024-01-01T00:00:00.000Z") })
        const middle = pendingJob({ createdAt: at("2024-01-01T00:00:00.001Z") })
        const newest = pendingJob({ createdAt: at("2024-01-02T00:00:00.000Z") })
        yield* insertAll([middle, newest, oldest])

        const page = yield* repository.list({ limit: 10 })

        expect(idsOf(page.items)).toEqual([newest.id, middle.id, oldest.id])
        expect(page.next).toBeNull()
      }),
    )

    test(
      "list with a status returns only jobs of that status",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const pending = pendingJob()
        const running = runningJob()
        const completed = completedJob()
        yield* insertAll([pending, running, completed])

        const runningPage = yield* repository.list({ status: "RUNNING", limit: 10 })
        const failedPage = yield* repository.list({ status: "FAILED", limit: 10 })

        expect(idsOf(runningPage.items)).toEqual([running.id])
        expect(failedPage.items).toEqual([])
      }),
    )

    test(
      "list honours the limit and returns the cursor of the last item",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const jobs = [1, 2, 3].map((second) =>
          pendingJob({ createdAt: at(`2024-03-01T00:00:0${second}.000Z`) }),
        )
        yield* insertAll(jobs)
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
        yield* insertAll([pendingJob(), pendingJob()])

        const page = yield* repository.list({ limit: 2 })

        expect(page.items).toHaveLength(2)
        expect(page.next).toBeNull()
      }),
    )

    test(
      "pages cover jobs with equal createdAt without gaps or repeats",
      Effect.gen(function* () {
        const sameInstant = at("2024-04-01T12:00:00.000Z")
        const jobs = [
          ...Array.from({ length: 5 }, () => pendingJob({ createdAt: sameInstant })),
          pendingJob({ createdAt: at("2024-04-01T12:00:00.001Z") }),
          pendingJob({ createdAt: at("2024-04-01T11:59:59.999Z") }),
        ]
        yield* insertAll(jobs)

        const pages = yield* readAllPages(2)

        expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 1])
        expect(idsOf(pages.flat())).toEqual(idsOf(newestFirst(jobs)))
      }),
    )

    test(
      "pages with a status filter skip other statuses",
      Effect.gen(function* () {
        const sameInstant = at("2024-04-02T08:00:00.000Z")
        const running = Array.from({ length: 3 }, () => runningJob({ createdAt: sameInstant }))
        const pending = Array.from({ length: 3 }, () => pendingJob({ createdAt: sameInstant }))
        yield* insertAll([...pending, ...running])

        const pages = yield* readAllPages(2, "RUNNING")

        expect(idsOf(pages.flat())).toEqual(idsOf(newestFirst(running)))
      }),
    )

    test(
      "update from the expected status stores and returns the new job",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const job = pendingJob()
        yield* repository.insert(job)
        const next = started(job).job

        const stored = yield* repository.update(next, "PENDING")

        expect(Option.getOrThrow(stored)).toEqual(next)
        expect(Option.getOrThrow(yield* repository.findById(job.id))).toEqual(next)
      }),
    )

    test(
      "update from a wrong status returns None and changes nothing",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const job = pendingJob()
        yield* repository.insert(job)

        const stored = yield* repository.update(started(job).job, "RUNNING")

        expect(Option.isNone(stored)).toBe(true)
        expect(Option.getOrThrow(yield* repository.findById(job.id))).toEqual(job)
      }),
    )

    test(
      "update of an unknown job returns None",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const stored = yield* repository.update(started(pendingJob()).job, "PENDING")
        expect(Option.isNone(stored)).toBe(true)
      }),
    )

    test(
      "of 20 concurrent updates from one status exactly one succeeds",
      Effect.gen(function* () {
        const repository = yield* JobRepository
        const job = pendingJob()
        yield* repository.insert(job)
        // Half try to start the job and half to cancel it, all expecting PENDING.
        const attempts = Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0 ? started(job).job : cancelled(job).job,
        )

        const results = yield* Effect.all(
          attempts.map((next) => repository.update(next, "PENDING")),
          { concurrency: "unbounded" },
        )

        const winners = results.filter(Option.isSome).map((result) => result.value)
        expect(winners).toHaveLength(1)
        expect(Option.getOrThrow(yield* repository.findById(job.id))).toEqual(winners[0])
      }),
    )
  })
}

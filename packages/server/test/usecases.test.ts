import { describe, expect, it } from "@effect/vitest"
import { InMemoryEventBus, InMemoryJobRepository } from "@jobs/adapters"
import {
  cancelJob,
  createJob,
  DurationSeconds,
  EventPublishError,
  EventPublisher,
  getJob,
  InvalidJobTransition,
  Job,
  JobId,
  JobName,
  JobNotFound,
  JobRepository,
  listJobs,
  Producer,
} from "@jobs/domain"
import { Effect, Either, Layer, Option, Schema, TestClock } from "effect"

const testLayer = Layer.mergeAll(
  InMemoryJobRepository.layer,
  InMemoryEventBus.layer,
  Producer.layer("api"),
)

const input = (name: string, seconds = 1) => ({
  name: Schema.decodeSync(JobName)(name),
  durationSeconds: Schema.decodeSync(DurationSeconds)(seconds),
})

const unknownId = Schema.decodeSync(JobId)("00000000-0000-4000-8000-000000000000")

describe("createJob", () => {
  it.effect("stores a PENDING job", () =>
    Effect.gen(function* () {
      const job = yield* createJob(input("report", 4))
      expect(job.status).toBe("PENDING")
      expect(job.durationSeconds).toBe(4)
      expect(yield* getJob(job.id)).toEqual(job)
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("still stores the job when publishing fails", () =>
    Effect.gen(function* () {
      const job = yield* createJob(input("report"))
      expect((yield* getJob(job.id)).status).toBe("PENDING")
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          InMemoryJobRepository.layer,
          Layer.succeed(EventPublisher, {
            publish: () => Effect.fail(new EventPublishError({ message: "broker down" })),
          }),
          Producer.layer("api"),
        ),
      ),
    ),
  )
})

describe("getJob", () => {
  it.effect("fails with JobNotFound for an unknown id", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(getJob(unknownId))
      expect(error).toEqual(new JobNotFound({ jobId: unknownId }))
    }).pipe(Effect.provide(testLayer)),
  )
})

describe("listJobs", () => {
  it.effect("pages newest first with a status filter", () =>
    Effect.gen(function* () {
      const created: Array<Job.Job> = []
      for (let i = 0; i < 5; i++) {
        created.push(yield* createJob(input(`job ${i}`)))
        yield* TestClock.adjust("1 second")
      }
      yield* cancelJob(created[1]!.id)

      const first = yield* listJobs({ limit: 2 })
      expect(first.items.map((job) => job.name)).toEqual(["job 4", "job 3"])
      expect(first.next).not.toBeNull()

      const second = yield* listJobs({ limit: 2, after: first.next ?? undefined })
      expect(second.items.map((job) => job.name)).toEqual(["job 2", "job 1"])

      const third = yield* listJobs({ limit: 2, after: second.next ?? undefined })
      expect(third.items.map((job) => job.name)).toEqual(["job 0"])
      expect(third.next).toBeNull()

      const cancelled = yield* listJobs({ limit: 10, status: "CANCELLED" })
      expect(cancelled.items.map((job) => job.name)).toEqual(["job 1"])
    }).pipe(Effect.provide(testLayer)),
  )
})

describe("cancelJob", () => {
  it.effect("cancels a PENDING job", () =>
    Effect.gen(function* () {
      const job = yield* createJob(input("report"))
      const cancelled = yield* cancelJob(job.id)
      expect(cancelled.status).toBe("CANCELLED")
      expect(cancelled.version).toBe(2)
      expect(cancelled.finishedAt).not.toBeNull()
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("fails for a job that already finished", () =>
    Effect.gen(function* () {
      const job = yield* createJob(input("report"))
      yield* cancelJob(job.id)

      const error = yield* Effect.flip(cancelJob(job.id))
      expect(error).toEqual(
        new InvalidJobTransition({
          jobId: job.id,
          currentStatus: "CANCELLED",
          requestedStatus: "CANCELLED",
        }),
      )
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("fails with JobNotFound for an unknown id", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(cancelJob(unknownId))
      expect(error._tag).toBe("JobNotFound")
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("decides again when the job starts between read and write", () =>
    Effect.gen(function* () {
      const job = yield* createJob(input("report"))
      const repository = yield* JobRepository
      let raced = false
      // A repository whose first conditional update loses to a worker's claim.
      const racingRepository = Layer.succeed(JobRepository, {
        ...repository,
        update: (next, expected, event) =>
          raced
            ? repository.update(next, expected, event)
            : Effect.gen(function* () {
                raced = true
                const current = Option.getOrThrow(yield* repository.findById(job.id))
                const started = Either.getOrThrow(
                  Job.start(current, "worker-test", {
                    eventId: "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c11",
                    occurredAt: new Date(),
                    producer: "worker-test",
                  }),
                )
                yield* repository.update(started.job, "PENDING", started.event)
                return yield* repository.update(next, expected, event)
              }),
      })

      const cancelled = yield* cancelJob(job.id).pipe(Effect.provide(racingRepository))
      expect(cancelled.status).toBe("CANCELLED")
      expect(cancelled.version).toBe(3)
    }).pipe(Effect.provide(testLayer)),
  )
})

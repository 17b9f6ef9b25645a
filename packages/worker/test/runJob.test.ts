import { describe, expect, it } from "@effect/vitest"
import { InMemoryJobRepository } from "@jobs/adapters"
import {
  cancelJob,
  createJob,
  DurationSeconds,
  EventPublisher,
  getJob,
  isJobEvent,
  Job,
  type JobEvent,
  JobId,
  JobName,
  JobRepository,
  Producer,
  runJob,
} from "@jobs/domain"
import { Context, Effect, Either, Fiber, Layer, Ref, Schema, TestClock } from "effect"

// Records every published event in order, so tests can assert on exactly what a
// run produced without racing a subscriber.
class PublishedEvents extends Context.Tag("test/PublishedEvents")<
  PublishedEvents,
  Ref.Ref<ReadonlyArray<JobEvent>>
>() {}

const recordingPublisher = Layer.effectContext(
  Effect.gen(function* () {
    const published = yield* Ref.make<ReadonlyArray<JobEvent>>([])
    return Context.make(PublishedEvents, published).pipe(
      Context.add(EventPublisher, {
        publish: (event) =>
          isJobEvent(event) ? Ref.update(published, (events) => [...events, event]) : Effect.void,
      }),
    )
  }),
)

const testLayer = Layer.mergeAll(
  InMemoryJobRepository.layer,
  recordingPublisher,
  Producer.layer("worker-test"),
)

const newJob = (seconds: number) =>
  createJob({
    name: Schema.decodeSync(JobName)(`sleep ${seconds}s`),
    durationSeconds: Schema.decodeSync(DurationSeconds)(seconds),
  })

const eventTypes = Effect.flatMap(PublishedEvents, Ref.get).pipe(
  Effect.map((events) => events.map((event) => event._tag)),
)

describe("runJob", () => {
  it.effect("completes after its duration", () =>
    Effect.gen(function* () {
      const job = yield* newJob(3)
      const fiber = yield* Effect.fork(runJob(job.id))

      yield* TestClock.adjust("2999 millis")
      expect((yield* getJob(job.id)).status).toBe("RUNNING")

      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(fiber)).toBe("completed")

      const done = yield* getJob(job.id)
      expect(done.status).toBe("COMPLETED")
      expect(done.version).toBe(3)
      expect(done.finishedAt!.getTime() - done.startedAt!.getTime()).toBe(3000)
      expect(yield* eventTypes).toEqual(["JobCreated", "JobStarted", "JobCompleted"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("completes a zero-second job at once", () =>
    Effect.gen(function* () {
      const job = yield* newJob(0)
      expect(yield* runJob(job.id)).toBe("completed")
      expect((yield* getJob(job.id)).status).toBe("COMPLETED")
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("stops at the next status check when cancelled while running", () =>
    Effect.gen(function* () {
      const job = yield* newJob(20)
      const fiber = yield* Effect.fork(runJob(job.id))
      yield* TestClock.adjust("2500 millis")

      const cancelled = yield* cancelJob(job.id)
      expect(cancelled.status).toBe("CANCELLED")

      yield* TestClock.adjust("500 millis")
      const outcome = yield* Fiber.join(fiber)

      expect(outcome).toBe("stopped")
      expect((yield* getJob(job.id)).status).toBe("CANCELLED")
      expect(yield* eventTypes).toEqual(["JobCreated", "JobStarted", "JobCancelled"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("skips a job cancelled before it was claimed", () =>
    Effect.gen(function* () {
      const job = yield* newJob(5)
      yield* cancelJob(job.id)

      expect(yield* runJob(job.id)).toBe("skipped")
      expect((yield* getJob(job.id)).status).toBe("CANCELLED")
      expect(yield* eventTypes).toEqual(["JobCreated", "JobCancelled"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("runs a job once when two workers race for it", () =>
    Effect.gen(function* () {
      const job = yield* newJob(1)
      const racing = yield* Effect.fork(
        Effect.all([runJob(job.id), runJob(job.id)], { concurrency: "unbounded" }),
      )
      yield* TestClock.adjust("1 second")

      const outcomes = yield* Fiber.join(racing)
      expect([...outcomes].sort()).toEqual(["completed", "skipped"])
      expect(yield* eventTypes).toEqual(["JobCreated", "JobStarted", "JobCompleted"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("runs a job given as read, without reading it again", () =>
    Effect.gen(function* () {
      const job = yield* newJob(0)
      expect(yield* runJob(job)).toBe("completed")
      expect((yield* getJob(job.id)).status).toBe("COMPLETED")
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("skips a job given as read when it changed since", () =>
    Effect.gen(function* () {
      const job = yield* newJob(0)
      yield* cancelJob(job.id)

      expect(yield* runJob(job)).toBe("skipped")
      expect((yield* getJob(job.id)).status).toBe("CANCELLED")
      expect(yield* eventTypes).toEqual(["JobCreated", "JobCancelled"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("skips an unknown job", () =>
    Effect.gen(function* () {
      const unknown = Schema.decodeSync(JobId)("00000000-0000-4000-8000-000000000000")
      expect(yield* runJob(unknown)).toBe("skipped")
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("requeues the job when interrupted while running", () =>
    Effect.gen(function* () {
      const job = yield* newJob(10)
      const fiber = yield* Effect.fork(runJob(job.id))
      yield* TestClock.adjust("2 seconds")

      yield* Fiber.interrupt(fiber)

      const requeued = yield* getJob(job.id)
      expect(requeued.status).toBe("PENDING")
      expect(requeued.workerId).toBeNull()
      expect(requeued.version).toBe(3)
      expect(yield* eventTypes).toEqual(["JobCreated", "JobStarted", "JobRequeued"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("interrupt after a cancel does not requeue", () =>
    Effect.gen(function* () {
      const job = yield* newJob(10)
      const fiber = yield* Effect.fork(runJob(job.id))
      yield* TestClock.adjust("1500 millis")
      yield* cancelJob(job.id)

      yield* Fiber.interrupt(fiber)

      const cancelled = yield* getJob(job.id)
      expect(cancelled.status).toBe("CANCELLED")
      expect(cancelled.version).toBe(3)
      expect(yield* eventTypes).toEqual(["JobCreated", "JobStarted", "JobCancelled"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("stops when another process fails the job", () =>
    Effect.gen(function* () {
      const job = yield* newJob(30)
      const fiber = yield* Effect.fork(runJob(job.id))
      yield* TestClock.adjust("1 second")

      const repository = yield* JobRepository
      const running = yield* getJob(job.id)
      const failed = Either.getOrThrow(
        Job.fail(running, "worker lost", {
          eventId: "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c11",
          occurredAt: new Date(),
          producer: "worker-other",
        }),
      )
      yield* repository.update(failed.job, "RUNNING", failed.event)
      yield* TestClock.adjust("1 second")

      expect(yield* Fiber.join(fiber)).toBe("stopped")
      expect((yield* getJob(job.id)).status).toBe("FAILED")
    }).pipe(Effect.provide(testLayer)),
  )
})

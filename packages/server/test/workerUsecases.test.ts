/**
 * The worker registry's use cases on the in-memory adapters, with the TestClock driving
 * time. They live here rather than in packages/domain/test because they need the
 * adapters, which the domain may not import.
 */
import { describe, expect, it } from "@effect/vitest"
import { InMemoryJobRepository, InMemoryWorkerRegistry } from "@jobs/adapters"
import {
  beatWorker,
  type DomainEvent,
  DurationSeconds,
  EventPublisher,
  Job,
  JobId,
  JobName,
  JobRepository,
  listWorkers,
  markLostWorkers,
  Producer,
  registerWorker,
  stopWorker,
  Worker,
  WorkerRegistry,
  WorkerStarted,
  WorkerStopped,
} from "@jobs/domain"
import {
  Clock,
  Context,
  Duration,
  Effect,
  Either,
  Layer,
  Option,
  Ref,
  Schema,
  TestClock,
} from "effect"
import { captureLogs } from "../../adapters/test/support/TestLogs"

// Records every published event in order, so tests assert on exactly what was published
// without racing a subscriber.
class PublishedEvents extends Context.Tag("test/PublishedEvents")<
  PublishedEvents,
  Ref.Ref<ReadonlyArray<DomainEvent>>
>() {}

const recordingPublisher = Layer.effectContext(
  Effect.gen(function* () {
    const published = yield* Ref.make<ReadonlyArray<DomainEvent>>([])
    return Context.make(PublishedEvents, published).pipe(
      Context.add(EventPublisher, {
        publish: (event) => Ref.update(published, (events) => [...events, event]),
      }),
    )
  }),
)

const testLayer = Layer.mergeAll(
  InMemoryWorkerRegistry.layer,
  InMemoryJobRepository.layer,
  recordingPublisher,
  Producer.layer("worker-a"),
)

const published = Effect.flatMap(PublishedEvents, Ref.get)

const registration = (host: string) => ({ host, pid: 100, concurrency: 2 })

/** Runs `effect` as the process named `producer` (another worker, or the API). */
const as =
  (producer: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provideService(effect, Producer, producer)

const findWorker = (id: string) =>
  Effect.flatMap(WorkerRegistry, (registry) => registry.findById(id)).pipe(
    Effect.map(Option.getOrThrow),
  )

const timeoutMillis = Duration.toMillis(Worker.TIMEOUT)

/** Stores a job RUNNING on `workerId`, started at the current TestClock time. */
const storeRunningJob = (name: string, workerId: string) =>
  Effect.gen(function* () {
    const repository = yield* JobRepository
    const now = new Date(yield* Clock.currentTimeMillis)
    const meta = (eventId: string) => ({ eventId, occurredAt: now, producer: workerId })
    const creation = Job.create(
      {
        id: Schema.decodeSync(JobId)(crypto.randomUUID()),
        name: Schema.decodeSync(JobName)(name),
        durationSeconds: Schema.decodeSync(DurationSeconds)(30),
      },
      meta(crypto.randomUUID()),
    )
    yield* repository.insert(creation.job, creation.event)
    const start = Either.getOrThrow(Job.start(creation.job, workerId, meta(crypto.randomUUID())))
    yield* repository.update(start.job, "PENDING", start.event)
    return start.job
  })

describe("registerWorker", () => {
  it.effect("stores the worker under the producer name and publishes WorkerStarted", () =>
    Effect.gen(function* () {
      yield* TestClock.adjust("5 seconds")

      const worker = yield* registerWorker(registration("box-1"))

      expect(worker.id).toBe("worker-a")
      expect(worker.startedAt).toEqual(new Date(5000))
      expect(yield* findWorker("worker-a")).toEqual(worker)
      const events = yield* published
      expect(events).toHaveLength(1)
      expect(events[0]).toBeInstanceOf(WorkerStarted)
      expect(events[0]).toMatchObject({
        workerId: "worker-a",
        producer: "worker-a",
        host: "box-1",
        pid: 100,
        concurrency: 2,
        startedAt: new Date(5000),
      })
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("warns when another live process has the same worker id", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* TestClock.adjust("3 seconds")

      yield* registerWorker({ host: "box-2", pid: 200, concurrency: 2 })
      yield* registerWorker({ host: "box-2", pid: 200, concurrency: 2 })

      const warnings = logs.lines.filter((line) => line.includes("used this worker id"))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("otherHost=box-1")
      expect(warnings[0]).toContain("otherPid=100")
    }).pipe(Effect.provide(testLayer), Effect.provide(logs.layer))
  })
})

describe("beatWorker", () => {
  it.effect("moves the last heartbeat and publishes nothing", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* TestClock.adjust(Worker.HEARTBEAT_INTERVAL)

      yield* beatWorker(registration("box-1"))

      const worker = yield* findWorker("worker-a")
      expect(worker.lastHeartbeatAt).toEqual(new Date(Duration.toMillis(Worker.HEARTBEAT_INTERVAL)))
      expect(worker.startedAt).toEqual(new Date(0))
      expect((yield* published).map((event) => event._tag)).toEqual(["WorkerStarted"])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("registers again after another process marked the worker lost", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* TestClock.adjust(Duration.sum(Worker.TIMEOUT, Duration.seconds(1)))
      expect(yield* as("api")(markLostWorkers())).toBe(1)
      expect((yield* findWorker("worker-a")).stopReason).toBe("lost")

      yield* beatWorker(registration("box-1"))

      const revived = yield* findWorker("worker-a")
      expect(revived.stoppedAt).toBeNull()
      expect(revived.stopReason).toBeNull()
      expect(revived.startedAt).toEqual(new Date(timeoutMillis + 1000))
      expect((yield* published).map((event) => event._tag)).toEqual([
        "WorkerStarted",
        "WorkerStopped",
        "WorkerStarted",
      ])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("registers a worker the registry never knew", () =>
    Effect.gen(function* () {
      yield* beatWorker(registration("box-1"))

      expect((yield* findWorker("worker-a")).host).toBe("box-1")
      expect((yield* published).map((event) => event._tag)).toEqual(["WorkerStarted"])
    }).pipe(Effect.provide(testLayer)),
  )
})

describe("markLostWorkers", () => {
  it.effect("marks only silent workers, once, as lost by the checking process", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* as("worker-b")(registerWorker(registration("box-2")))
      yield* TestClock.adjust("8 seconds")
      yield* as("worker-b")(beatWorker(registration("box-2")))
      yield* TestClock.adjust("3 seconds")

      const first = yield* as("api")(markLostWorkers())
      const second = yield* as("api")(markLostWorkers())

      expect(first).toBe(1)
      expect(second).toBe(0)
      expect((yield* findWorker("worker-a")).stopReason).toBe("lost")
      expect((yield* findWorker("worker-b")).stoppedAt).toBeNull()
      const stops = (yield* published).filter((event) => event instanceof WorkerStopped)
      expect(stops).toHaveLength(1)
      expect(stops[0]).toMatchObject({
        workerId: "worker-a",
        producer: "api",
        reason: "lost",
        stoppedAt: new Date(11_000),
      })
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("leaves a worker alone until its silence is longer than the timeout", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* TestClock.adjust(Worker.TIMEOUT)

      expect(yield* as("api")(markLostWorkers())).toBe(0)

      yield* TestClock.adjust("1 millis")

      expect(yield* as("api")(markLostWorkers())).toBe(1)
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("does not report a worker that stopped itself", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* stopWorker()
      yield* TestClock.adjust(Duration.sum(Worker.TIMEOUT, Duration.seconds(1)))

      expect(yield* as("api")(markLostWorkers())).toBe(0)
      expect((yield* findWorker("worker-a")).stopReason).toBe("shutdown")
    }).pipe(Effect.provide(testLayer)),
  )
})

describe("stopWorker", () => {
  it.effect("marks the worker stopped and publishes WorkerStopped with reason shutdown", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* TestClock.adjust("4 seconds")

      expect(yield* stopWorker()).toBe(true)

      const worker = yield* findWorker("worker-a")
      expect(worker.stoppedAt).toEqual(new Date(4000))
      expect(worker.stopReason).toBe("shutdown")
      const last = (yield* published).at(-1)
      expect(last).toBeInstanceOf(WorkerStopped)
      expect(last).toMatchObject({ workerId: "worker-a", producer: "worker-a", reason: "shutdown" })
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("returns false and publishes nothing the second time", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* stopWorker()

      expect(yield* stopWorker()).toBe(false)
      expect((yield* published).map((event) => event._tag)).toEqual([
        "WorkerStarted",
        "WorkerStopped",
      ])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("returns false for a worker that never registered", () =>
    Effect.gen(function* () {
      expect(yield* stopWorker()).toBe(false)
      expect(yield* published).toEqual([])
    }).pipe(Effect.provide(testLayer)),
  )
})

describe("listWorkers", () => {
  it.effect("derives alive from the last heartbeat and lists each worker's RUNNING jobs", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* TestClock.adjust("1 second")
      yield* as("worker-b")(registerWorker(registration("box-2")))
      const firstOfA = yield* storeRunningJob("first of a", "worker-a")
      const ofB = yield* storeRunningJob("job of b", "worker-b")
      yield* TestClock.adjust("1 second")
      const secondOfA = yield* storeRunningJob("second of a", "worker-a")
      // worker-a keeps beating; worker-b falls silent but no process has marked it lost yet.
      yield* TestClock.adjust("9 seconds")
      yield* beatWorker(registration("box-1"))
      yield* TestClock.adjust("2 seconds")

      const overview = yield* listWorkers()

      expect(overview.map((entry) => entry.worker.id)).toEqual(["worker-b", "worker-a"])
      const [b, a] = overview
      expect(a?.alive).toBe(true)
      expect(b?.alive).toBe(false)
      expect(b?.worker.stoppedAt).toBeNull()
      expect(a?.runningJobs.map((job) => job.id)).toEqual([firstOfA.id, secondOfA.id])
      expect(b?.runningJobs.map((job) => job.id)).toEqual([ofB.id])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("leaves out finished jobs", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      const running = yield* storeRunningJob("still running", "worker-a")
      const done = yield* storeRunningJob("done", "worker-a")
      const repository = yield* JobRepository
      const completion = Either.getOrThrow(
        Job.complete(done, {
          eventId: crypto.randomUUID(),
          occurredAt: new Date(1000),
          producer: "worker-a",
        }),
      )
      yield* repository.update(completion.job, "RUNNING", completion.event)

      const [entry] = yield* listWorkers()

      expect(entry?.runningJobs.map((job) => job.id)).toEqual([running.id])
    }).pipe(Effect.provide(testLayer)),
  )

  it.effect("keeps a stopped worker for an hour after its last heartbeat, then drops it", () =>
    Effect.gen(function* () {
      yield* registerWorker(registration("box-1"))
      yield* as("worker-b")(registerWorker(registration("box-2")))
      yield* stopWorker()

      yield* TestClock.adjust(Duration.hours(1))
      const withinTheHour = yield* listWorkers()
      yield* TestClock.adjust("1 millis")
      const afterTheHour = yield* listWorkers()

      const stopped = withinTheHour.find((entry) => entry.worker.id === "worker-a")
      expect(stopped?.alive).toBe(false)
      expect(stopped?.worker.stopReason).toBe("shutdown")
      // worker-b never beat again, but only a stop removes a worker from the list.
      expect(afterTheHour.map((entry) => entry.worker.id)).toEqual(["worker-b"])
      expect(afterTheHour[0]?.alive).toBe(false)
    }).pipe(Effect.provide(testLayer)),
  )
})

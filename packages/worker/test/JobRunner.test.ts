/**
 * The worker's dispatch loop, PENDING sweep, stale-job check and shutdown on the
 * in-memory adapters, with the test clock driving the jobs' sleeps and the loops'
 * intervals.
 */

import { randomUUID } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import {
  InMemoryEventBus,
  InMemoryJobRepository,
  InMemoryWorkerRegistry,
  repeatEvery,
} from "@jobs/adapters"
import {
  cancelJob,
  DurationSeconds,
  EventPublisher,
  EventSubscriber,
  type InvalidJobTransition,
  isJobEvent,
  Job,
  type JobCreated,
  type JobEvent,
  JobId,
  JobName,
  JobRepository,
  type JobStatus,
  Producer,
  RepositoryError,
  Worker,
  WorkerRegistry,
} from "@jobs/domain"
import {
  Context,
  Effect,
  Either,
  Exit,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Option,
  Ref,
  Scope,
  Stream,
  TestClock,
} from "effect"
import * as JobRunner from "../src/JobRunner"
import * as JobRuns from "../src/JobRuns"

// Records every published event in order and forwards it to the in-memory bus.
class PublishedEvents extends Context.Tag("test/PublishedEvents")<
  PublishedEvents,
  Ref.Ref<ReadonlyArray<JobEvent>>
>() {}

const recordingBus = Layer.effectContext(
  Effect.gen(function* () {
    const bus = yield* EventPublisher
    const subscriber = yield* EventSubscriber
    const published = yield* Ref.make<ReadonlyArray<JobEvent>>([])
    return Context.make(PublishedEvents, published).pipe(
      Context.add(EventPublisher, {
        // Worker events are left out of the record: these tests look at jobs. The
        // registry's tests at the end read them from the bus.
        publish: (event) =>
          (isJobEvent(event)
            ? Ref.update(published, (events) => [...events, event])
            : Effect.void
          ).pipe(Effect.zipRight(bus.publish(event))),
      }),
      Context.add(EventSubscriber, subscriber),
    )
  }),
).pipe(Layer.provide(InMemoryEventBus.layer))

/** More slots than any test here has jobs, so the limit plays no part. */
const MANY_SLOTS = 1000

// Tests close their own scope (Effect.scoped) before this layer is released, so a
// runner's finalizers (requeues, marking the worker stopped) still find the stores
// and the bus.
const TestLayer = Layer.mergeAll(
  InMemoryJobRepository.layer,
  InMemoryWorkerRegistry.layer,
  recordingBus,
  Producer.layer("worker-test"),
)

const meta = (producer: string, occurredAt = new Date(0)): Job.EventMeta => ({
  eventId: randomUUID(),
  occurredAt,
  producer,
})

const applied = <A>(result: Either.Either<A, InvalidJobTransition>): A =>
  Either.getOrThrowWith(result, (error) => new Error(error.message))

/**
 * A PENDING job of `durationSeconds` with its JobCreated event; stores nothing.
 * `createdAt` orders the jobs in a sweep, oldest first.
 */
const newJob = (name: string, durationSeconds: number, createdAt = new Date(0)) =>
  Job.create(
    {
      id: JobId.make(randomUUID()),
      name: JobName.make(name),
      durationSeconds: DurationSeconds.make(durationSeconds),
    },
    meta("api", createdAt),
  )

const insert = (created: Job.Transition<JobCreated>) =>
  Effect.flatMap(JobRepository, (repository) => repository.insert(created.job, created.event))

/** Stores the job as started by `workerId` at time 0 of the test clock. */
const storeStarted = (job: Job.Job, workerId: string) =>
  Effect.gen(function* () {
    const repository = yield* JobRepository
    const start = applied(Job.start(job, workerId, meta(workerId)))
    yield* repository.update(start.job, "PENDING", start.event)
    return start.job
  })

const findJob = (job: Job.Job) =>
  Effect.flatMap(JobRepository, (repository) => repository.findById(job.id)).pipe(
    Effect.map(Option.getOrThrow),
  )

const statusOf = (job: Job.Job) => Effect.map(findJob(job), (stored) => stored.status)

const eventLog = (job: Job.Job) =>
  Effect.flatMap(JobRepository, (repository) => repository.listEvents(job.id))

const published = Effect.flatMap(PublishedEvents, Ref.get)

interface LogEntry {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A logger that keeps every entry from the debug level up, with its annotations. */
const makeLogCollector = Effect.gen(function* () {
  const entries = yield* Ref.make<ReadonlyArray<LogEntry>>([])
  const logger = Logger.make(({ logLevel, message, annotations }) => {
    const text = Array.isArray(message) ? message.join(" ") : String(message)
    const entry = {
      level: logLevel.label,
      message: text,
      annotations: Object.fromEntries(HashMap.toEntries(annotations)),
    }
    Effect.runSync(Ref.update(entries, (all) => [...all, entry]))
  })
  const layer = Layer.merge(
    Logger.replace(Logger.defaultLogger, logger),
    Logger.minimumLogLevel(LogLevel.Debug),
  )
  return { entries: Ref.get(entries), layer }
})

/**
 * Checks `condition` again after each yield to the other fibers until it holds,
 * at most `MAX_YIELDS` times. Time does not pass on the test clock meanwhile.
 */
const MAX_YIELDS = 10_000
const settled = <R>(condition: Effect.Effect<boolean, unknown, R>) =>
  Effect.yieldNow().pipe(
    Effect.zipRight(condition),
    Effect.repeat({ until: (holds) => holds, times: MAX_YIELDS }),
  )

/** Cancels the job as the API does, and returns the JobCancelled it published. */
const cancelAsApi = (job: Job.Job) =>
  cancelJob(job.id).pipe(
    Effect.provide(Producer.layer("api")),
    Effect.zipRight(published),
    Effect.map((events) => events.find((event) => event._tag === "JobCancelled")),
    Effect.map(Option.fromNullable),
    Effect.map(Option.getOrThrow),
  )

const runnerOptions = (concurrency: number): JobRunner.Options => ({
  concurrency,
  host: "test-host",
  pid: 4242,
})

const runnerFor = (workerId: string) =>
  JobRunner.layer(runnerOptions(MANY_SLOTS)).pipe(Layer.provide(Producer.layer(workerId)))

describe("JobRunner.dispatch", () => {
  it.scoped("created jobs run at the same time and complete", () =>
    Effect.gen(function* () {
      const first = newJob("first", 2)
      const second = newJob("second", 3)
      yield* insert(first)
      yield* insert(second)
      const runs = yield* JobRuns.make(MANY_SLOTS)

      yield* JobRunner.dispatch(Stream.make(first.event, second.event), runs)
      expect(yield* runs.size).toBe(2)
      // Three seconds suffice only if both sleep at once.
      yield* TestClock.adjust("3 seconds")
      yield* runs.awaitEmpty

      expect(yield* statusOf(first.job)).toBe("COMPLETED")
      expect(yield* statusOf(second.job)).toBe("COMPLETED")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("a requeued job runs again", () =>
    Effect.gen(function* () {
      const created = newJob("requeued", 1)
      yield* insert(created)
      const running = yield* storeStarted(created.job, "worker-gone")
      const requeue = applied(Job.release(running, "test requeue", meta("worker-gone")))
      const repository = yield* JobRepository
      yield* repository.update(requeue.job, "RUNNING", requeue.event)
      const runs = yield* JobRuns.make(MANY_SLOTS)

      yield* JobRunner.dispatch(Stream.make(requeue.event), runs)
      yield* TestClock.adjust("1 second")
      yield* runs.awaitEmpty

      const done = yield* findJob(created.job)
      expect(done.status).toBe("COMPLETED")
      expect(done.version).toBe(5)
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("other events start nothing", () =>
    Effect.gen(function* () {
      const created = newJob("untouched", 1)
      yield* insert(created)
      const start = applied(Job.start(created.job, "worker-other", meta("worker-other")))
      const others: ReadonlyArray<JobEvent> = [
        start.event,
        applied(Job.complete(start.job, meta("worker-other"))).event,
        applied(Job.fail(start.job, "test failure", meta("worker-other"))).event,
        applied(Job.cancel(created.job, meta("api"))).event,
      ]
      const runs = yield* JobRuns.make(MANY_SLOTS)

      yield* JobRunner.dispatch(Stream.fromIterable(others), runs)

      expect(yield* runs.size).toBe(0)
      expect(yield* statusOf(created.job)).toBe("PENDING")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("run log lines carry the job id but not the event type", () =>
    Effect.gen(function* () {
      const logs = yield* makeLogCollector
      const created = newJob("logged", 1)
      yield* insert(created)
      const runs = yield* JobRuns.make(MANY_SLOTS)

      yield* JobRunner.dispatch(Stream.make(created.event), runs).pipe(
        Effect.annotateLogs({ workerId: "test" }),
        Effect.provide(logs.layer),
      )
      yield* TestClock.adjust("1 second")
      yield* runs.awaitEmpty

      const entries = yield* logs.entries
      const received = entries.find((entry) => entry.message === "event received, run started")
      const completed = entries.find((entry) => entry.message === "job completed")
      expect(received?.annotations).toMatchObject({
        eventType: "JobCreated",
        jobId: created.job.id,
      })
      expect(completed?.annotations).toMatchObject({ jobId: created.job.id, workerId: "test" })
      expect(completed?.annotations).not.toHaveProperty("eventType")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("a failing job is logged with its id and the others still run", () => {
    const broken = newJob("broken", 1)
    const healthy = newJob("healthy", 1)
    const failingRepository = Layer.effect(
      JobRepository,
      Effect.map(InMemoryJobRepository.make, (inner) => ({
        ...inner,
        // The claim's write fails for the broken job only.
        update: (next: Job.Job, expected: JobStatus, event: JobEvent) =>
          next.id === broken.job.id
            ? Effect.fail(new RepositoryError({ message: "database unavailable" }))
            : inner.update(next, expected, event),
      })),
    )

    return Effect.gen(function* () {
      const logs = yield* makeLogCollector
      yield* insert(broken)
      yield* insert(healthy)
      const runs = yield* JobRuns.make(MANY_SLOTS)

      yield* JobRunner.dispatch(Stream.make(broken.event, healthy.event), runs).pipe(
        Effect.provide(logs.layer),
      )
      yield* TestClock.adjust("1 second")
      yield* runs.awaitEmpty

      const repository = yield* JobRepository
      const stored = yield* repository.findById(healthy.job.id)
      expect(Option.map(stored, (job) => job.status)).toEqual(Option.some("COMPLETED"))
      const errors = (yield* logs.entries).filter((entry) => entry.level === "ERROR")
      expect(errors.map((entry) => [entry.message, entry.annotations.jobId])).toEqual([
        ["job run failed", broken.job.id],
      ])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(failingRepository, InMemoryEventBus.layer, Producer.layer("worker-test")),
      ),
    )
  })
})

describe("JobRunner.sweepPending", () => {
  it.scoped("runs PENDING jobs whose JobCreated was missed", () =>
    Effect.gen(function* () {
      // More than one page of the sweep's listing, none of them announced by an event.
      const missed = Array.from({ length: 130 }, (_, index) => newJob(`missed ${index}`, 1))
      yield* Effect.forEach(missed, insert, { discard: true })
      const runs = yield* JobRuns.make(MANY_SLOTS)

      yield* JobRunner.sweepPending(runs)
      yield* TestClock.adjust("1 second")
      yield* runs.awaitEmpty

      const statuses = yield* Effect.forEach(missed, (created) => statusOf(created.job))
      expect(statuses.filter((status) => status === "COMPLETED")).toHaveLength(130)
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("sweep reads a bounded number of jobs", () => {
    const limits: Array<number> = []
    const recordingRepository = Layer.effect(
      JobRepository,
      Effect.map(InMemoryJobRepository.make, (inner) => ({
        ...inner,
        oldestPending: (limit: number) => {
          limits.push(limit)
          return inner.oldestPending(limit)
        },
      })),
    )

    return Effect.gen(function* () {
      const jobs = Array.from({ length: 30 }, (_, index) =>
        newJob(`queued ${index + 1}`, 5, new Date(index)),
      )
      yield* Effect.forEach(jobs, insert, { discard: true })
      const runs = yield* JobRuns.make(4)

      yield* JobRunner.sweepPending(runs)
      yield* JobRunner.sweepPending(runs)

      // Four free slots: it reads eight, starts the four oldest, then reads nothing.
      expect(limits).toEqual([8])
      expect(yield* runs.size).toBe(4)
      const statuses = Effect.forEach(jobs.slice(0, 5), (created) => statusOf(created.job))
      const oldestFourRun = Effect.map(
        statuses,
        (found) => found.join() === "RUNNING,RUNNING,RUNNING,RUNNING,PENDING",
      )
      expect(yield* settled(oldestFourRun)).toBe(true)
    }).pipe(
      Effect.scoped,
      Effect.provide(
        Layer.mergeAll(recordingRepository, recordingBus, Producer.layer("worker-test")),
      ),
    )
  })

  it.scoped("failed sweep starts nothing", () => {
    const unavailableRepository = Layer.effect(
      JobRepository,
      Effect.map(InMemoryJobRepository.make, (inner) => ({
        ...inner,
        oldestPending: () => Effect.fail(new RepositoryError({ message: "database unavailable" })),
      })),
    )

    return Effect.gen(function* () {
      const runs = yield* JobRuns.make(MANY_SLOTS)

      const error = yield* Effect.flip(JobRunner.sweepPending(runs))

      expect(error.message).toBe("database unavailable")
      expect(yield* runs.size).toBe(0)
    }).pipe(
      Effect.provide(
        Layer.mergeAll(
          unavailableRepository,
          InMemoryEventBus.layer,
          Producer.layer("worker-test"),
        ),
      ),
    )
  })
})

describe("repeatEvery", () => {
  it.scoped("an outage is logged once, then its end", () =>
    Effect.gen(function* () {
      const logs = yield* makeLogCollector
      const down = yield* Ref.make(true)
      const passes = yield* Ref.make(0)
      const pass = Ref.update(passes, (count) => count + 1).pipe(
        Effect.zipRight(Ref.get(down)),
        Effect.flatMap((isDown) =>
          isDown
            ? Effect.fail(new RepositoryError({ message: "database unavailable" }))
            : Effect.void,
        ),
      )
      yield* Effect.forkScoped(
        repeatEvery("test task", pass, "2 seconds").pipe(Effect.provide(logs.layer)),
      )

      // Passes at 0, 2 and 4 s fail, the one at 6 s succeeds, the one at 8 s fails again.
      yield* TestClock.adjust("5 seconds")
      yield* Ref.set(down, false)
      yield* TestClock.adjust("2 seconds")
      yield* Ref.set(down, true)
      yield* TestClock.adjust("2 seconds")

      expect(yield* Ref.get(passes)).toBe(5)
      const entries = yield* logs.entries
      const notable = entries.filter((entry) => entry.level !== "DEBUG")
      expect(notable.map((entry) => entry.message)).toEqual([
        "test task failed, will retry",
        "test task recovered",
        "test task failed, will retry",
      ])
      expect(notable[0]?.annotations).toMatchObject({ error: "database unavailable" })
      expect(notable[1]?.annotations).toMatchObject({ failedPasses: 3 })
      expect(entries.filter((entry) => entry.message === "test task failed again")).toHaveLength(2)
    }),
  )
})

describe("JobRunner.layer", () => {
  it.scoped("stale check fails a job without heartbeats for 10 s", () =>
    Effect.gen(function* () {
      const abandoned = newJob("abandoned", 30)
      const alive = newJob("alive", 30)
      yield* insert(abandoned)
      yield* insert(alive)
      yield* storeStarted(abandoned.job, "worker-dead")
      yield* storeStarted(alive.job, "worker-alive")
      yield* Layer.build(runnerFor("worker-test"))
      const repository = yield* JobRepository

      yield* TestClock.adjust("9 seconds")
      expect(yield* repository.heartbeat(alive.job.id, "worker-alive", new Date(9_000))).toBe(true)
      yield* TestClock.adjust("900 millis")
      expect(yield* statusOf(abandoned.job)).toBe("RUNNING")

      // The check at 12 s is the first to find the last sign of life more than 10 s old.
      yield* TestClock.adjust("2100 millis")

      const failed = yield* findJob(abandoned.job)
      expect(failed.status).toBe("FAILED")
      expect(failed.version).toBe(3)
      const lastEvent = (yield* eventLog(abandoned.job)).at(-1)
      expect(lastEvent?._tag).toBe("JobFailed")
      expect(lastEvent?._tag === "JobFailed" ? lastEvent.reason : "").toContain("worker-dead")
      expect((yield* published).map((event) => [event._tag, event.jobId])).toEqual([
        ["JobFailed", abandoned.job.id],
      ])
      expect(yield* statusOf(alive.job)).toBe("RUNNING")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("shutdown requeues a running job for another worker", () =>
    Effect.gen(function* () {
      const logs = yield* makeLogCollector
      const created = newJob("interrupted", 5)
      yield* insert(created)
      const firstWorker = yield* Scope.make()
      yield* Layer.buildWithScope(runnerFor("worker-first"), firstWorker).pipe(
        Effect.provide(logs.layer),
      )

      // The startup sweep claims the job at once.
      yield* TestClock.adjust("1 second")
      const running = yield* findJob(created.job)
      expect([running.status, running.workerId]).toEqual(["RUNNING", "worker-first"])

      yield* Scope.close(firstWorker, Exit.void)

      const requeued = yield* findJob(created.job)
      expect(requeued.status).toBe("PENDING")
      expect(requeued.workerId).toBeNull()
      expect(requeued.version).toBe(running.version + 1)
      const lastPublished = (yield* published).at(-1)
      expect(lastPublished?._tag).toBe("JobRequeued")
      expect(lastPublished?._tag === "JobRequeued" ? lastPublished.previousWorkerId : "").toBe(
        "worker-first",
      )
      const stopping = (yield* logs.entries).find((entry) => entry.message === "worker stopping")
      expect(stopping?.annotations).toMatchObject({ runningJobs: 1, requeuedJobs: 1 })

      yield* Layer.build(runnerFor("worker-second"))
      yield* TestClock.adjust("5 seconds")

      const done = yield* findJob(created.job)
      expect(done.status).toBe("COMPLETED")
      expect((yield* eventLog(created.job)).map((event) => [event._tag, event.producer])).toEqual([
        ["JobCreated", "api"],
        ["JobStarted", "worker-first"],
        ["JobRequeued", "worker-first"],
        ["JobStarted", "worker-second"],
        ["JobCompleted", "worker-second"],
      ])
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )
})

describe("cancel of a running job", () => {
  it.scoped("JobCancelled stops the run at once", () =>
    Effect.gen(function* () {
      const logs = yield* makeLogCollector
      const created = newJob("cancelled by event", 30)
      yield* insert(created)
      const runs = yield* JobRuns.make(MANY_SLOTS)
      const inWorker = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        effect.pipe(Effect.annotateLogs({ workerId: "test" }), Effect.provide(logs.layer))
      yield* inWorker(JobRunner.dispatch(Stream.make(created.event), runs))
      expect(yield* settled(Effect.map(statusOf(created.job), (s) => s === "RUNNING"))).toBe(true)

      const cancelled = yield* cancelAsApi(created.job)
      yield* inWorker(JobRunner.dispatch(Stream.make(cancelled), runs))

      // The clock has not moved, so no heartbeat can have noticed the cancel.
      expect(yield* settled(Effect.map(runs.size, (size) => size === 0))).toBe(true)
      expect((yield* eventLog(created.job)).map((event) => event._tag)).toEqual([
        "JobCreated",
        "JobStarted",
        "JobCancelled",
      ])
      const entries = yield* logs.entries
      const stopped = entries.filter((entry) => entry.message === "job cancelled, run stopped")
      expect(stopped.map((entry) => [entry.level, entry.annotations])).toEqual([
        [
          "INFO",
          {
            jobId: created.job.id,
            workerId: "test",
            cancelledBy: "api",
            cancelledAt: cancelled.occurredAt.toISOString(),
          },
        ],
      ])
      expect(entries.map((entry) => entry.message)).not.toContain("job requeued")

      yield* TestClock.adjust("30 seconds")
      expect(yield* statusOf(created.job)).toBe("CANCELLED")
      expect(yield* eventLog(created.job)).toHaveLength(3)
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("heartbeat stops run when event lost", () =>
    Effect.gen(function* () {
      const logs = yield* makeLogCollector
      const created = newJob("cancel event lost", 30)
      yield* insert(created)
      const runs = yield* JobRuns.make(MANY_SLOTS)
      yield* JobRunner.dispatch(Stream.make(created.event), runs).pipe(Effect.provide(logs.layer))
      yield* TestClock.adjust("200 millis")

      yield* cancelAsApi(created.job)
      expect(yield* runs.size).toBe(1)
      yield* TestClock.adjust("800 millis")

      expect(yield* settled(Effect.map(runs.size, (size) => size === 0))).toBe(true)
      const messages = (yield* logs.entries).map((entry) => entry.message)
      expect(messages).toContain("job no longer running on this worker, stopping")
      expect(messages).not.toContain("job cancelled, run stopped")
      expect((yield* eventLog(created.job)).map((event) => event._tag)).toEqual([
        "JobCreated",
        "JobStarted",
        "JobCancelled",
      ])
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("cancel of another job stops nothing", () =>
    Effect.gen(function* () {
      const running = newJob("keeps running", 2)
      const other = newJob("cancelled elsewhere", 2)
      yield* insert(running)
      yield* insert(other)
      const runs = yield* JobRuns.make(MANY_SLOTS)
      yield* JobRunner.dispatch(Stream.make(running.event), runs)

      const cancelled = yield* cancelAsApi(other.job)
      yield* JobRunner.dispatch(Stream.make(cancelled), runs)
      yield* TestClock.adjust("2 seconds")
      yield* runs.awaitEmpty

      expect(yield* statusOf(running.job)).toBe("COMPLETED")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )
})

describe("concurrency limit", () => {
  it.scoped("start when full or already running", () =>
    Effect.gen(function* () {
      const jobs = Array.from({ length: 3 }, (_, index) => newJob(`slot ${index}`, 1))
      yield* Effect.forEach(jobs, insert, { discard: true })
      const runs = yield* JobRuns.make(2)

      const results = yield* Effect.forEach(jobs, (created) => runs.start(created.job.id))
      const again = yield* runs.start(jobs[0]!.job.id)

      expect(results).toEqual(["started", "started", "full"])
      expect(again).toBe("already running")
      yield* TestClock.adjust("1 second")
      yield* runs.awaitEmpty
      expect(yield* statusOf(jobs[2]!.job)).toBe("PENDING")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("fifth job waits for a slot", () =>
    Effect.gen(function* () {
      // Created one millisecond apart, so the sweep takes them in this order.
      const durations = [1, 3, 3, 3, 2]
      const jobs = durations.map((seconds, index) =>
        newJob(`limited ${index + 1}`, seconds, new Date(index)),
      )
      yield* Effect.forEach(jobs, insert, { discard: true })
      const fifth = jobs[4]!.job
      const runningCount = Effect.map(
        Effect.forEach(jobs, (created) => statusOf(created.job)),
        (statuses) => statuses.filter((status) => status === "RUNNING").length,
      )

      // The startup sweep takes the four oldest and turns the fifth down.
      yield* Layer.build(
        JobRunner.layer(runnerOptions(4)).pipe(Layer.provide(Producer.layer("worker-test"))),
      )
      expect(yield* settled(Effect.map(runningCount, (count) => count === 4))).toBe(true)
      expect(yield* statusOf(fifth)).toBe("PENDING")

      yield* TestClock.adjust("999 millis")
      expect(yield* runningCount).toBe(4)
      expect(yield* statusOf(fifth)).toBe("PENDING")

      // The first job ends at 1 s and its free slot goes to the fifth at once, long
      // before the next periodic sweep at 5 s.
      yield* TestClock.adjust("1 millis")
      expect(yield* settled(Effect.map(statusOf(fifth), (s) => s === "RUNNING"))).toBe(true)
      expect(yield* statusOf(jobs[0]!.job)).toBe("COMPLETED")
      expect(yield* runningCount).toBe(4)
      expect((yield* findJob(fifth)).startedAt?.getTime()).toBe(1_000)

      yield* TestClock.adjust("2 seconds")
      expect(yield* settled(Effect.map(runningCount, (count) => count === 0))).toBe(true)
      const statuses = yield* Effect.forEach(jobs, (created) => statusOf(created.job))
      expect(statuses).toEqual(Array.from({ length: 5 }, () => "COMPLETED"))
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )
})

describe("JobRunner.layer and the worker registry", () => {
  const registered = (id: string) =>
    Effect.flatMap(WorkerRegistry, (registry) => registry.findById(id)).pipe(
      Effect.map(Option.getOrThrow),
    )

  it.scoped("registers the worker and marks it stopped after its jobs are requeued", () =>
    Effect.gen(function* () {
      const created = newJob("running at shutdown", 5)
      yield* insert(created)
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(runnerFor("worker-first"), scope)
      yield* TestClock.adjust("1 second")

      const started = yield* registered("worker-first")
      expect(started).toMatchObject({
        host: "test-host",
        pid: 4242,
        concurrency: MANY_SLOTS,
        stoppedAt: null,
      })
      expect((yield* findJob(created.job)).workerId).toBe("worker-first")

      yield* Scope.close(scope, Exit.void)

      const stopped = yield* registered("worker-first")
      expect(stopped.stopReason).toBe("shutdown")
      expect(stopped.stoppedAt?.getTime()).toBe(1_000)
      expect((yield* findJob(created.job)).status).toBe("PENDING")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("registry heartbeats keep the worker alive beyond the timeout", () =>
    Effect.gen(function* () {
      yield* Layer.build(runnerFor("worker-test"))
      yield* TestClock.adjust("31 seconds")

      const worker = yield* registered("worker-test")
      expect(worker.lastHeartbeatAt.getTime()).toBeGreaterThanOrEqual(29_000)
      expect(Worker.isAlive(worker, new Date(31_000))).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )

  it.scoped("stale check marks a worker without heartbeats lost", () =>
    Effect.gen(function* () {
      const registry = yield* WorkerRegistry
      const silent = Worker.start(
        { host: "gone-host", pid: 1, concurrency: 2 },
        meta("worker-silent"),
      ).worker
      yield* registry.register(silent)
      yield* Layer.build(runnerFor("worker-test"))

      yield* TestClock.adjust("11 seconds")
      expect((yield* registered("worker-silent")).stoppedAt).toBeNull()
      // The check at 12 s is the first to find the last heartbeat more than 10 s old.
      yield* TestClock.adjust("1 second")

      const lost = yield* registered("worker-silent")
      expect(lost.stopReason).toBe("lost")
      expect(lost.stoppedAt?.getTime()).toBe(12_000)
      expect((yield* registered("worker-test")).stoppedAt).toBeNull()
    }).pipe(Effect.scoped, Effect.provide(TestLayer)),
  )
})

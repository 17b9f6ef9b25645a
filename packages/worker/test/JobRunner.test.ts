/**
 * The worker's dispatch loop on the in-memory adapters, with the test clock
 * driving the jobs' sleeps.
 */

import { randomUUID } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { InMemoryEventBus, InMemoryJobRepository } from "@jobs/adapters"
import {
  DurationSeconds,
  Job,
  type JobEvent,
  JobId,
  JobName,
  JobRepository,
  Producer,
  RepositoryError,
} from "@jobs/domain"
import {
  Effect,
  FiberSet,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Option,
  Ref,
  Stream,
  TestClock,
} from "effect"
import { cancelled, completed, started } from "../../adapters/test/support/JobFixtures"
import * as JobRunner from "../src/JobRunner"

const TestLayer = Layer.mergeAll(
  InMemoryJobRepository.layer,
  InMemoryEventBus.layer,
  Producer.layer("worker-test"),
)

/** A PENDING job of `durationSeconds` with its JobCreated event; stores nothing. */
const newJob = (name: string, durationSeconds: number) =>
  Job.create(
    {
      id: JobId.make(randomUUID()),
      name: JobName.make(name),
      durationSeconds: DurationSeconds.make(durationSeconds),
    },
    { eventId: randomUUID(), occurredAt: new Date(0), producer: "api" },
  )

const insert = (job: Job.Job) =>
  Effect.flatMap(JobRepository, (repository) => repository.insert(job))

const statusOf = (job: Job.Job) =>
  Effect.flatMap(JobRepository, (repository) => repository.findById(job.id)).pipe(
    Effect.map(Option.map((stored) => stored.status)),
  )

/** Dispatches `events` into a new fiber set and returns the set. */
const dispatchAll = (events: ReadonlyArray<JobEvent>) =>
  Effect.gen(function* () {
    const jobs = yield* FiberSet.make<void>()
    yield* JobRunner.dispatch(Stream.fromIterable(events), jobs)
    return jobs
  })

describe("JobRunner.dispatch", () => {
  it.scoped("created jobs run at the same time and complete", () =>
    Effect.gen(function* () {
      const first = newJob("first", 2)
      const second = newJob("second", 3)
      yield* insert(first.job)
      yield* insert(second.job)

      const jobs = yield* dispatchAll([first.event, second.event])
      expect(yield* FiberSet.size(jobs)).toBe(2)
      // Three seconds suffice only if both sleep at once.
      yield* TestClock.adjust("3 seconds")
      yield* FiberSet.awaitEmpty(jobs)

      expect(yield* statusOf(first.job)).toEqual(Option.some("COMPLETED"))
      expect(yield* statusOf(second.job)).toEqual(Option.some("COMPLETED"))
    }).pipe(Effect.provide(TestLayer)),
  )

  it.scoped("events other than JobCreated start nothing", () =>
    Effect.gen(function* () {
      const { job } = newJob("untouched", 1)
      yield* insert(job)
      const start = started(job)
      const others: ReadonlyArray<JobEvent> = [
        start.event,
        completed(start.job).event,
        cancelled(job).event,
      ]

      const jobs = yield* dispatchAll(others)

      expect(yield* FiberSet.size(jobs)).toBe(0)
      expect(yield* statusOf(job)).toEqual(Option.some("PENDING"))
    }).pipe(Effect.provide(TestLayer)),
  )

  it.scoped("a failing job is logged with its id and the others still run", () => {
    const broken = newJob("broken", 1)
    const healthy = newJob("healthy", 1)
    const failingRepository = Layer.effect(
      JobRepository,
      Effect.map(InMemoryJobRepository.make, (inner) => ({
        ...inner,
        findById: (id: JobId) =>
          id === broken.job.id
            ? Effect.fail(new RepositoryError({ message: "database unavailable" }))
            : inner.findById(id),
      })),
    )

    return Effect.gen(function* () {
      const errors = yield* Ref.make<ReadonlyArray<{ message: unknown; jobId: unknown }>>([])
      const collectErrors = Logger.make(({ logLevel, message, annotations }) => {
        if (logLevel === LogLevel.Error) {
          Effect.runSync(
            Ref.update(errors, (all) => [
              ...all,
              { message, jobId: Option.getOrUndefined(HashMap.get(annotations, "jobId")) },
            ]),
          )
        }
      })
      yield* insert(broken.job)
      yield* insert(healthy.job)

      const jobs = yield* dispatchAll([broken.event, healthy.event]).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, collectErrors)),
      )
      yield* TestClock.adjust("1 second")
      yield* FiberSet.awaitEmpty(jobs)

      expect(yield* statusOf(healthy.job)).toEqual(Option.some("COMPLETED"))
      expect(yield* Ref.get(errors)).toEqual([
        { message: ["job run failed"], jobId: broken.job.id },
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
      const missed = Array.from({ length: 130 }, (_, index) => newJob(`missed ${index}`, 1).job)
      yield* Effect.forEach(missed, insert, { discard: true })
      const jobs = yield* FiberSet.make<void>()

      yield* JobRunner.sweepPending(jobs)
      yield* TestClock.adjust("1 second")
      yield* FiberSet.awaitEmpty(jobs)

      const statuses = yield* Effect.forEach(missed, statusOf)
      expect(statuses.filter((status) => Option.getOrNull(status) === "COMPLETED")).toHaveLength(
        130,
      )
    }).pipe(Effect.provide(TestLayer)),
  )

  it.scoped("a failed sweep is logged and starts nothing", () => {
    const unavailableRepository = Layer.effect(
      JobRepository,
      Effect.map(InMemoryJobRepository.make, (inner) => ({
        ...inner,
        list: () => Effect.fail(new RepositoryError({ message: "database unavailable" })),
      })),
    )

    return Effect.gen(function* () {
      const warnings = yield* Ref.make<ReadonlyArray<unknown>>([])
      const collectWarnings = Logger.make(({ logLevel, message }) => {
        if (logLevel === LogLevel.Warning) {
          Effect.runSync(Ref.update(warnings, (all) => [...all, message]))
        }
      })
      const jobs = yield* FiberSet.make<void>()

      yield* JobRunner.sweepPending(jobs).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, collectWarnings)),
      )

      expect(yield* FiberSet.size(jobs)).toBe(0)
      expect(yield* Ref.get(warnings)).toEqual([["pending job sweep failed, will retry"]])
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

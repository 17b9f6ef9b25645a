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

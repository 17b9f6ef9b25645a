/**
 * The worker's dispatch loop when the EventSubscriber ends its stream because
 * events may have been missed: it must subscribe again and sweep for PENDING
 * jobs at once, without waiting for the periodic sweep. In-memory adapters; the
 * test clock never moves until the jobs are left to finish.
 */
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { InMemoryEventBus, InMemoryJobRepository } from "@jobs/adapters"
import {
  DurationSeconds,
  EventPublisher,
  EventSubscriber,
  Job,
  JobId,
  JobName,
  JobRepository,
  Producer,
} from "@jobs/domain"
import { Deferred, Effect, Layer, Option, Ref, Stream, TestClock } from "effect"
import * as JobRunner from "../src/JobRunner"
import * as JobRuns from "../src/JobRuns"

/** More slots than any test here has jobs, so the limit plays no part. */
const MANY_SLOTS = 1000

const TestLayer = Layer.mergeAll(
  InMemoryJobRepository.layer,
  InMemoryEventBus.layer,
  Producer.layer("worker-test"),
)

/** A PENDING job stored without publishing its JobCreated, as if the event was lost. */
const storePending = (name: string) =>
  Effect.gen(function* () {
    const created = Job.create(
      {
        id: JobId.make(randomUUID()),
        name: JobName.make(name),
        durationSeconds: DurationSeconds.make(1),
      },
      { eventId: randomUUID(), occurredAt: new Date(0), producer: "api" },
    )
    const repository = yield* JobRepository
    yield* repository.insert(created.job, created.event)
    return created
  })

const statusOf = (job: Job.Job) =>
  Effect.flatMap(JobRepository, (repository) => repository.findById(job.id)).pipe(
    Effect.map((found) => Option.getOrThrow(found).status),
  )

/**
 * Checks `condition` again after each yield to the other fibers until it holds,
 * at most `MAX_YIELDS` times. Time does not pass on the test clock meanwhile.
 */
const MAX_YIELDS = 10_000
const settled = (condition: Effect.Effect<boolean, unknown, JobRepository>) =>
  Effect.yieldNow().pipe(
    Effect.zipRight(condition),
    Effect.repeat({ until: (holds) => holds, times: MAX_YIELDS }),
  )

/** The in-memory events, counted per subscription, ending at the next reported gap. */
const gappedEvents = Effect.gen(function* () {
  const { events } = yield* EventSubscriber
  const subscriptions = yield* Ref.make(0)
  const nextGap = yield* Effect.flatMap(Deferred.make<void>(), Ref.make)
  const stream = Stream.unwrap(
    Effect.map(Ref.get(nextGap), (gap) => events.pipe(Stream.interruptWhen(Deferred.await(gap)))),
  ).pipe(Stream.onStart(Ref.update(subscriptions, (count) => count + 1)))
  const reportGap = Deferred.make<void>().pipe(
    Effect.flatMap((fresh) => Ref.getAndSet(nextGap, fresh)),
    Effect.flatMap((current) => Deferred.succeed(current, undefined)),
  )
  return { stream, subscriptions: Ref.get(subscriptions), reportGap }
})

describe("JobRunner.dispatchForever", () => {
  it.scoped("ended event stream is subscribed again and swept at once", () =>
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const { stream, subscriptions, reportGap } = yield* gappedEvents
      const runs = yield* JobRuns.make(MANY_SLOTS)
      yield* Effect.forkScoped(JobRunner.dispatchForever(stream, runs))
      expect(yield* settled(Effect.map(subscriptions, (count) => count === 1))).toBe(true)

      const missed = yield* storePending("missed during the gap")
      yield* reportGap

      expect(yield* settled(Effect.map(subscriptions, (count) => count === 2))).toBe(true)
      expect(yield* settled(Effect.map(statusOf(missed.job), (s) => s === "RUNNING"))).toBe(true)

      const later = yield* storePending("created after the gap")
      yield* publisher.publish(later.event)

      expect(yield* settled(Effect.map(statusOf(later.job), (s) => s === "RUNNING"))).toBe(true)

      yield* TestClock.adjust("1 second")
      yield* runs.awaitEmpty
      expect(yield* statusOf(missed.job)).toBe("COMPLETED")
      expect(yield* statusOf(later.job)).toBe("COMPLETED")
    }).pipe(Effect.provide(TestLayer)),
  )
})

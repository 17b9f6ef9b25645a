/**
 * The jobs one worker is running, each in a fiber of its own, so several jobs run
 * at once and shutdown can interrupt them all together.
 */
import { type EventPublisher, type JobId, JobRepository, type Producer, runJob } from "@jobs/domain"
import { Cause, Effect, Fiber, FiberSet, Option, Ref, type Scope } from "effect"

export type JobServices = JobRepository | EventPublisher | Producer

export interface JobRuns {
  /** Starts `runJob` for the job in a new fiber and returns at once. */
  readonly start: (jobId: JobId) => Effect.Effect<void, never, JobServices>
  /** The number of runs still going. */
  readonly size: Effect.Effect<number>
  /** Waits until every run has ended. */
  readonly awaitEmpty: Effect.Effect<void>
  /**
   * Interrupts every run at once and waits for them. An interrupted run puts its job
   * back to PENDING with JobRequeued. Returns how many jobs these runs requeued.
   */
  readonly interruptAll: Effect.Effect<number>
}

/**
 * Counts each JobRequeued that `update` stores. runJob requeues inside its own
 * interruption handler and returns nothing then, so the store write is the one
 * place where the worker can see that a requeue happened.
 */
const countingRequeues = (requeued: Ref.Ref<number>) =>
  Effect.updateService(JobRepository, (repository) => ({
    ...repository,
    update: (next, expected, event) =>
      repository
        .update(next, expected, event)
        .pipe(
          Effect.tap((stored) =>
            Option.isSome(stored) && event._tag === "JobRequeued"
              ? Ref.update(requeued, (count) => count + 1)
              : Effect.void,
          ),
        ),
  }))

/**
 * Creates the set of runs. Closing the scope interrupts the runs still going, as
 * `interruptAll` does.
 */
export const make: Effect.Effect<JobRuns, never, Scope.Scope> = Effect.gen(function* () {
  const fibers = yield* FiberSet.make<void>()
  const requeued = yield* Ref.make(0)

  // A failed run is logged with its job id and goes no further, so one broken job
  // never stops the worker.
  const runToEnd = (jobId: JobId) =>
    runJob(jobId).pipe(
      Effect.tap((outcome) =>
        Effect.logDebug("job run finished").pipe(Effect.annotateLogs({ outcome })),
      ),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("job run failed", cause),
      ),
      countingRequeues(requeued),
      Effect.annotateLogs({ jobId }),
    )

  return {
    start: (jobId) => FiberSet.run(fibers, runToEnd(jobId)).pipe(Effect.asVoid),
    size: FiberSet.size(fibers),
    awaitEmpty: FiberSet.awaitEmpty(fibers),
    // FiberSet.clear interrupts one fiber after the other, and each requeue can take
    // up to two seconds, so the runs are interrupted together instead.
    interruptAll: Effect.suspend(() => Fiber.interruptAll(Array.from(fibers))).pipe(
      Effect.zipRight(Ref.get(requeued)),
    ),
  }
})

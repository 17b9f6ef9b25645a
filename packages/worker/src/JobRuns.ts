/**
 * The jobs one worker is running, each in a fiber of its own, keyed by job id.
 * At most `concurrency` run at once. A cancel interrupts the job's run at once,
 * and shutdown interrupts them all together.
 */
import {
  type EventPublisher,
  type Job,
  type JobCancelled,
  type JobId,
  JobRepository,
  type Producer,
  runJob,
} from "@jobs/domain"
import { Cause, Effect, Fiber, FiberMap, Option, Queue, Ref, type Scope } from "effect"

export type JobServices = JobRepository | EventPublisher | Producer

/**
 * Outcome of `start`: a run started, a run of that job was already going, or every
 * slot was taken and nothing started.
 */
export type StartResult = "started" | "already running" | "full"

export interface JobRuns {
  /**
   * Starts `runJob` for the job in a new fiber and returns at once. Takes a slot
   * before the run claims the job, so a claimed job never waits for a slot. The job is
   * given by its id, or as just read from the store, which spares the run a read.
   */
  readonly start: (job: JobId | Job.Job) => Effect.Effect<StartResult, never, JobServices>
  /**
   * Interrupts the run of the cancelled job, if this worker runs it, without
   * waiting for it to end. The run does not requeue the job (it is CANCELLED
   * already) and logs who cancelled it. Returns whether there was such a run.
   */
  readonly stop: (cancelled: JobCancelled) => Effect.Effect<boolean>
  /** The number of runs still going. */
  readonly size: Effect.Effect<number>
  /** The number of slots free for new runs right now. */
  readonly freeSlots: Effect.Effect<number>
  /**
   * Waits until a slot frees up after `start` found every slot taken, so the
   * worker can look for the jobs it left PENDING.
   */
  readonly awaitRoom: Effect.Effect<void>
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
 * Creates the set of runs with `concurrency` slots. Closing the scope interrupts
 * the runs still going, as `interruptAll` does.
 */
export const make = (concurrency: number): Effect.Effect<JobRuns, never, Scope.Scope> =>
  Effect.gen(function* () {
    const fibers = yield* FiberMap.make<JobId, void, never>()
    const requeued = yield* Ref.make(0)
    // The jobs holding a slot. A job takes its slot before its fiber starts and
    // gives it back when the fiber ends, however it ends.
    const slots = new Set<JobId>()
    // The cancel events of the runs being stopped, read by their finalizers.
    const cancels = new Map<JobId, JobCancelled>()
    // Set when `start` turned a job down for lack of a slot, cleared by the next
    // run that ends, which then wakes `awaitRoom`.
    let turnedDown = false
    const room = yield* Queue.sliding<void>(1)

    const release = (jobId: JobId) => {
      slots.delete(jobId)
      cancels.delete(jobId)
      if (turnedDown) {
        turnedDown = false
        room.unsafeOffer(undefined)
      }
    }

    const logCancelled = (jobId: JobId) =>
      Effect.suspend(() => {
        const cancelled = cancels.get(jobId)
        return cancelled === undefined
          ? Effect.void
          : Effect.logInfo("job cancelled, run stopped").pipe(
              Effect.annotateLogs({
                cancelledBy: cancelled.producer,
                cancelledAt: cancelled.occurredAt.toISOString(),
              }),
            )
      })

    // A failed run is logged with its job id and goes no further, so one broken job
    // never stops the worker.
    const runToEnd = (jobId: JobId, target: JobId | Job.Job) =>
      runJob(target).pipe(
        Effect.tap((outcome) =>
          Effect.logDebug("job run finished").pipe(Effect.annotateLogs({ outcome })),
        ),
        Effect.onInterrupt(() => logCancelled(jobId)),
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("job run failed", cause),
        ),
        countingRequeues(requeued),
        Effect.annotateLogs({ jobId }),
      )

    const reserve = (jobId: JobId) =>
      Effect.sync((): StartResult => {
        if (slots.has(jobId)) {
          return "already running"
        }
        if (slots.size >= concurrency) {
          turnedDown = true
          return "full"
        }
        slots.add(jobId)
        return "started"
      })

    const start = (target: JobId | Job.Job) => {
      const jobId = typeof target === "string" ? target : target.id
      return Effect.uninterruptible(
        Effect.flatMap(reserve(jobId), (result) =>
          result !== "started"
            ? Effect.succeed(result)
            : FiberMap.run(fibers, jobId, runToEnd(jobId, target)).pipe(
                // The observer runs however the fiber ends, even when it is
                // interrupted before its first step.
                Effect.tap((fiber) => Effect.sync(() => fiber.addObserver(() => release(jobId)))),
                Effect.onInterrupt(() => Effect.sync(() => release(jobId))),
                Effect.as(result),
              ),
        ),
      )
    }

    const stop = (cancelled: JobCancelled) =>
      Effect.flatMap(FiberMap.get(fibers, cancelled.jobId), (fiber) =>
        Effect.sync(() => {
          // A run that ended meanwhile has given its slot back; it needs no note.
          if (slots.has(cancelled.jobId)) {
            cancels.set(cancelled.jobId, cancelled)
          }
        }).pipe(Effect.zipRight(Fiber.interruptFork(fiber)), Effect.as(true)),
      ).pipe(Effect.catchTag("NoSuchElementException", () => Effect.succeed(false)))

    return {
      start,
      stop,
      size: FiberMap.size(fibers),
      freeSlots: Effect.sync(() => Math.max(concurrency - slots.size, 0)),
      awaitRoom: Queue.take(room),
      awaitEmpty: FiberMap.awaitEmpty(fibers),
      // FiberMap.clear interrupts one fiber after the other, and each requeue can take
      // up to two seconds, so the runs are interrupted together instead.
      interruptAll: Effect.suspend(() =>
        Fiber.interruptAll(Array.from(fibers, ([, fiber]) => fiber)),
      ).pipe(Effect.zipRight(Ref.get(requeued))),
    }
  })

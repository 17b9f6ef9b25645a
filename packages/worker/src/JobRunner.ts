/**
 * The worker's work loop: it listens to the job events and runs each newly
 * created or requeued job in a fiber of its own, so several jobs run at once, up
 * to its concurrency. A JobCancelled stops the job's run at once.
 * Because Redis Pub/Sub delivers at most once, it also looks for PENDING jobs in
 * the database at startup, on an interval, and when a slot frees up after it
 * turned a job down. A job whose event it missed or could not take still runs.
 * And it fails the RUNNING jobs of workers that died, so no job stays RUNNING
 * forever.
 */
import { repeatEvery } from "@jobs/adapters"
import {
  beatWorker,
  type DomainEvent,
  type EventPublisher,
  EventSubscriber,
  failStaleJobs,
  findPendingJobs,
  isJobEvent,
  Job,
  type JobId,
  type JobRepository,
  markLostWorkers,
  type Producer,
  type RepositoryError,
  registerWorker,
  stopWorker,
  Worker,
  type WorkerRegistry,
} from "@jobs/domain"
import { Duration, Effect, FiberSet, Layer, Stream } from "effect"
import * as JobRuns from "./JobRuns"

type JobServices = JobRepository | EventPublisher | Producer

/** How often the worker looks for PENDING jobs whose JobCreated it never received. */
export const PENDING_SWEEP_INTERVAL = Duration.seconds(5)

/**
 * How often the worker looks for RUNNING jobs whose worker stopped sending
 * heartbeats. Every worker checks, and so does the API, so a dead worker's jobs fail even when it was the last worker.
 * Bound: a job counts as abandoned 10 s (HEARTBEAT_TIMEOUT) after its last beat,
 * and the next check comes at most 2 s later, so it becomes FAILED 10 to 12 s after
 * that beat. Beats come every 1 s (HEARTBEAT_INTERVAL), so this is 9 to 12 s after
 * the worker died, plus the time the check's queries take.
 */
export const STALE_CHECK_INTERVAL = Duration.seconds(2)

/** The worker's settings that shape its work loop, and what it records in the registry. */
export type Options = Worker.Registration

const startFromEvent = (
  runs: JobRuns.JobRuns,
  target: JobId | Job.Job,
  aboutEvent: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
) =>
  Effect.flatMap(runs.start(target), (result) => {
    switch (result) {
      case "started":
        return Effect.logDebug("event received, run started").pipe(aboutEvent)
      case "already running":
        return Effect.logDebug("event received, job already running here").pipe(aboutEvent)
      case "full":
        return Effect.logDebug("event received, every slot taken, job left for later").pipe(
          aboutEvent,
        )
    }
  })

const handle = (
  runs: JobRuns.JobRuns,
  event: DomainEvent,
): Effect.Effect<void, never, JobServices> => {
  // Worker events matter to the registry's readers (the API and the browser), not here.
  if (!isJobEvent(event)) {
    return Effect.void
  }
  // Only the lines about the event carry its type. The run forks outside this
  // annotation, so its own lines carry the job id and the worker id alone.
  const aboutEvent = Effect.annotateLogs({ eventType: event._tag, jobId: event.jobId })
  switch (event._tag) {
    // A JobCreated carries the whole new job, so the run claims it without reading it first.
    // The claim's conditional update rejects it if it changed meanwhile.
    case "JobCreated":
      return startFromEvent(runs, Job.applyEvent(undefined, event) ?? event.jobId, aboutEvent)
    case "JobRequeued":
      return startFromEvent(runs, event.jobId, aboutEvent)
    case "JobCancelled":
      return Effect.flatMap(runs.stop(event), (stopped) =>
        stopped
          ? Effect.logDebug("event received, stopping the run")
          : Effect.logDebug("event ignored"),
      ).pipe(aboutEvent)
    case "JobStarted":
    case "JobCompleted":
    case "JobFailed":
      return Effect.logDebug("event ignored").pipe(aboutEvent)
  }
}

/**
 * Starts a run for each JobCreated and JobRequeued of `events`, stops the run of
 * each JobCancelled and ignores the other events, worker events included. Returns when `events` ends; the runs keep going in `runs`.
 */
export const dispatch = (
  events: Stream.Stream<DomainEvent>,
  runs: JobRuns.JobRuns,
): Effect.Effect<void, never, JobServices> =>
  Stream.runForEach(events, (event) => handle(runs, event))

/**
 * Dispatches `events` until interrupted. The EventSubscriber ends the stream when
 * events may have been missed, so each time it ends, this subscribes again and at
 * the same time sweeps for PENDING jobs whose JobCreated or JobRequeued was lost.
 *
 * NOTE: the new subscription starts in the fiber forked just before the sweep, so
 * an event published in the instant before it is in place can still be missed.
 * The periodic sweep finds such a job.
 */
export const dispatchForever = (
  events: Stream.Stream<DomainEvent>,
  runs: JobRuns.JobRuns,
): Effect.Effect<never, never, JobServices> => {
  const sweepAfterGap = sweepPending(runs).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("pending job sweep after event stream end failed").pipe(
        Effect.annotateLogs({ error: error.message }),
      ),
    ),
  )
  const resubscribe = Effect.logWarning(
    "event stream ended, events may have been missed; subscribing again and sweeping",
  ).pipe(
    Effect.zipRight(
      Effect.all([dispatch(events, runs), sweepAfterGap], {
        concurrency: "unbounded",
        discard: true,
      }),
    ),
  )
  return dispatch(events, runs).pipe(Effect.zipRight(Effect.forever(resubscribe)))
}

/**
 * A sweep reads this many times as many PENDING jobs as the worker has free slots,
 * plus one for each run it has going. Its own runs still claiming their jobs, and
 * other workers claiming at the same moment, leave rows that look PENDING. The
 * extra rows let the sweep go on to the next jobs and still fill every slot, so
 * the next finished run wakes the next sweep.
 */
const SWEEP_READ_FACTOR = 2

/**
 * Starts a run for the oldest jobs still PENDING in the store, until every slot
 * is taken. It reads only a few more jobs than the worker has free slots, so a
 * sweep costs the same however long the queue is. A job that another worker, or
 * this one through its event, claims first is skipped by runJob's conditional
 * claim, so a sweep never runs a job twice.
 *
 * NOTE: the API publishes JobCreated just after its insert commits. A sweep that
 * lands in that gap publishes JobStarted first, so subscribers can see the two out
 * of order. Browsers cope, because they apply events by job version.
 */
export const sweepPending = (
  runs: JobRuns.JobRuns,
): Effect.Effect<void, RepositoryError, JobServices> =>
  Effect.all([runs.freeSlots, runs.size]).pipe(
    Effect.flatMap(([free, going]) =>
      free === 0 ? Effect.succeed([]) : findPendingJobs(free * SWEEP_READ_FACTOR + going),
    ),
    Effect.flatMap((pending) =>
      Effect.gen(function* () {
        let started = 0
        for (const job of pending) {
          const result = yield* runs.start(job)
          if (result === "full") {
            break
          }
          if (result === "started") {
            started++
          }
        }
        // A job that waits for a free slot is found by every sweep, so only a sweep
        // that started something is worth an info line.
        const summary = { found: pending.length, started }
        if (started > 0) {
          yield* Effect.logInfo("pending jobs found in the store").pipe(
            Effect.annotateLogs(summary),
          )
        } else if (pending.length > 0) {
          yield* Effect.logDebug("pending jobs found, none started here").pipe(
            Effect.annotateLogs(summary),
          )
        }
      }),
    ),
  )

/**
 * Fails the RUNNING jobs whose worker stopped sending heartbeats, and marks such
 * workers lost in the registry (both use cases log what they change).
 */
export const failAbandonedJobs: Effect.Effect<void, RepositoryError, JobServices | WorkerRegistry> =
  Effect.all([failStaleJobs(), markLostWorkers()], { discard: true })

// Marking this worker stopped must not hold up the exit when the database is down.
const UNREGISTER_TIMEOUT = Duration.seconds(2)

/**
 * Registers the worker, keeps its registry heartbeat going while the scope is
 * open, and marks it stopped when the scope closes (after everything that was
 * added to the scope later, so after its jobs were requeued).
 */
const stayRegistered = (registration: Worker.Registration) =>
  Effect.gen(function* () {
    yield* registerWorker(registration)
    yield* Effect.addFinalizer(() =>
      stopWorker().pipe(
        Effect.timeout(UNREGISTER_TIMEOUT),
        Effect.catchAll((error) =>
          Effect.logWarning("worker could not mark itself stopped; it will count as lost").pipe(
            Effect.annotateLogs({ error: error.message }),
          ),
        ),
      ),
    )
    yield* Effect.forkScoped(
      repeatEvery("worker heartbeat", beatWorker(registration), Worker.HEARTBEAT_INTERVAL),
    )
  })

/**
 * Stops taking work, then interrupts the runs, which puts their jobs back to
 * PENDING for another worker. This runs before the layers below JobRunner are
 * released, so the requeue writes still have their database and Redis
 * connections.
 */
const stop = (intake: FiberSet.FiberSet, runs: JobRuns.JobRuns): Effect.Effect<void> =>
  Effect.gen(function* () {
    yield* FiberSet.clear(intake)
    const runningJobs = yield* runs.size
    const requeuedJobs = yield* runs.interruptAll
    yield* Effect.logInfo("worker stopping").pipe(
      Effect.annotateLogs({ runningJobs, requeuedJobs }),
    )
  })

/**
 * Dispatches the events of the EventSubscriber (subscribing again whenever its
 * stream ends), sweeps for PENDING jobs every PENDING_SWEEP_INTERVAL and whenever
 * a slot frees up after a job was turned down, and fails abandoned jobs (and
 * marks lost workers) every STALE_CHECK_INTERVAL, each starting at once. It
 * registers the worker first and sends its registry heartbeat. When the layer is
 * released, it stops the loops, requeues the jobs still running, and then marks
 * the worker stopped. It fails when the registration cannot be stored.
 */
export const layer = (
  options: Options,
): Layer.Layer<never, RepositoryError, EventSubscriber | JobServices | WorkerRegistry> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const { events } = yield* EventSubscriber
      yield* stayRegistered(options)
      const runs = yield* JobRuns.make(options.concurrency)
      // The loops that start runs or change jobs. Shutdown interrupts them first.
      const intake = yield* FiberSet.make()

      yield* FiberSet.run(intake, dispatchForever(events, runs))
      yield* FiberSet.run(
        intake,
        repeatEvery(
          "pending job sweep",
          sweepPending(runs),
          PENDING_SWEEP_INTERVAL,
          runs.awaitRoom,
        ),
      )
      yield* FiberSet.run(
        intake,
        repeatEvery("stale job check", failAbandonedJobs, STALE_CHECK_INTERVAL),
      )
      yield* Effect.logInfo("worker started").pipe(
        Effect.annotateLogs({ concurrency: options.concurrency }),
      )
      yield* Effect.addFinalizer(() => stop(intake, runs))
    }),
  )

/**
 * The worker's work loop: it listens to the job events and runs each newly
 * created job in a fiber of its own, so several jobs run at once.
 */
import {
  type EventPublisher,
  EventSubscriber,
  type JobEvent,
  type JobId,
  type JobRepository,
  type Producer,
  runJob,
} from "@jobs/domain"
import { Cause, Effect, FiberSet, Layer, Stream } from "effect"

type JobServices = JobRepository | EventPublisher | Producer

/**
 * Runs one job to its end. A failure is logged with the job id and goes no
 * further, so one broken job never stops the worker.
 */
const runToEnd = (jobId: JobId): Effect.Effect<void, never, JobServices> =>
  runJob(jobId).pipe(
    Effect.tap((outcome) =>
      Effect.logDebug("job run finished").pipe(Effect.annotateLogs({ outcome })),
    ),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("job run failed", cause),
    ),
    Effect.annotateLogs({ jobId }),
  )

const handle = (
  jobs: FiberSet.FiberSet<void>,
  event: JobEvent,
): Effect.Effect<void, never, JobServices> => {
  switch (event._tag) {
    case "JobCreated":
      return FiberSet.run(jobs, runToEnd(event.jobId)).pipe(Effect.asVoid)
    case "JobStarted":
    case "JobCompleted":
    case "JobCancelled":
    case "JobFailed":
      return Effect.logDebug("event ignored")
  }
}

/**
 * Starts a fiber in `jobs` for each JobCreated of `events` and ignores the other
 * events. Returns when `events` ends; the jobs keep running in `jobs`.
 */
export const dispatch = (
  events: Stream.Stream<JobEvent>,
  jobs: FiberSet.FiberSet<void>,
): Effect.Effect<void, never, JobServices> =>
  Stream.runForEach(events, (event) =>
    handle(jobs, event).pipe(Effect.annotateLogs({ eventType: event._tag, jobId: event.jobId })),
  )

/**
 * Dispatches the events of the EventSubscriber until the layer is released, then
 * interrupts the jobs still running.
 *
 * NOTE: an interrupted job stays RUNNING in the database, and a job whose
 * JobCreated this worker missed (Redis down, worker stopped) stays PENDING:
 * nothing picks either up again yet.
 */
export const layer: Layer.Layer<never, never, EventSubscriber | JobServices> = Layer.scopedDiscard(
  Effect.gen(function* () {
    const { events } = yield* EventSubscriber
    const jobs = yield* FiberSet.make<void>()

    yield* Effect.forkScoped(dispatch(events, jobs))
    yield* Effect.logInfo("worker started")
    yield* Effect.addFinalizer(() =>
      FiberSet.size(jobs).pipe(
        Effect.flatMap((running) =>
          Effect.logInfo("worker stopping").pipe(Effect.annotateLogs({ runningJobs: running })),
        ),
      ),
    )
  }),
)

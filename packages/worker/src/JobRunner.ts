/**
 * The worker's work loop: it listens to the job events and runs each newly
 * created job in a fiber of its own, so several jobs run at once. Because Redis
 * Pub/Sub delivers at most once, it also looks for PENDING jobs in the database
 * at startup and on an interval, so a job whose JobCreated it missed still runs.
 */
import {
  type EventPublisher,
  EventSubscriber,
  type Job,
  type JobCursor,
  type JobEvent,
  type JobId,
  type JobRepository,
  listJobs,
  type Producer,
  type RepositoryError,
  runJob,
} from "@jobs/domain"
import { Cause, Duration, Effect, FiberSet, Layer, Schedule, Stream } from "effect"

/** How often the worker looks for PENDING jobs whose JobCreated it never received. */
export const PENDING_SWEEP_INTERVAL = Duration.seconds(5)

const SWEEP_PAGE_SIZE = 100

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

/** Every PENDING job in the store, oldest first. */
const pendingJobs: Effect.Effect<
  ReadonlyArray<Job.Job>,
  RepositoryError,
  JobRepository
> = Effect.gen(function* () {
  const found: Array<Job.Job> = []
  let after: JobCursor | undefined
  do {
    const page = yield* listJobs({ status: "PENDING", limit: SWEEP_PAGE_SIZE, after })
    found.push(...page.items)
    after = page.next ?? undefined
  } while (after !== undefined)
  return found.reverse()
})

/**
 * Starts a run for every job still PENDING in the store, oldest first. A job that
 * another worker, or this one through its JobCreated, claims first is skipped by
 * runJob's conditional claim, so a sweep never runs a job twice. A failed sweep is
 * logged and the next one tries again.
 *
 * NOTE: the API publishes JobCreated just after its insert commits. A sweep that
 * lands in that gap publishes JobStarted first, so subscribers can see the two out
 * of order. Browsers cope, because they apply events by job version.
 */
export const sweepPending = (
  jobs: FiberSet.FiberSet<void>,
): Effect.Effect<void, never, JobServices> =>
  pendingJobs.pipe(
    Effect.tap((pending) =>
      pending.length === 0
        ? Effect.void
        : Effect.logInfo("pending jobs found in the store").pipe(
            Effect.annotateLogs({ count: pending.length }),
          ),
    ),
    Effect.flatMap((pending) =>
      Effect.forEach(pending, (job) => FiberSet.run(jobs, runToEnd(job.id)), { discard: true }),
    ),
    Effect.catchAll((error) =>
      Effect.logWarning("pending job sweep failed, will retry").pipe(
        Effect.annotateLogs({ error: error.message }),
      ),
    ),
  )

/**
 * Dispatches the events of the EventSubscriber and sweeps for PENDING jobs at
 * startup and every PENDING_SWEEP_INTERVAL until the layer is released, then
 * interrupts the jobs still running.
 *
 * NOTE: an interrupted job stays RUNNING in the database, and nothing picks it
 * up again yet; only PENDING jobs are swept.
 */
export const layer: Layer.Layer<never, never, EventSubscriber | JobServices> = Layer.scopedDiscard(
  Effect.gen(function* () {
    const { events } = yield* EventSubscriber
    const jobs = yield* FiberSet.make<void>()

    yield* Effect.forkScoped(dispatch(events, jobs))
    yield* Effect.forkScoped(
      sweepPending(jobs).pipe(Effect.repeat(Schedule.spaced(PENDING_SWEEP_INTERVAL))),
    )
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

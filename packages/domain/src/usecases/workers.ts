/**
 * Use cases of the worker registry. A worker registers, beats and stops. Any
 * process marks the workers whose heartbeats stopped as lost, and the API lists
 * the workers with the jobs each one runs.
 */
import { Clock, Duration, Effect, Option } from "effect"
import type { RepositoryError } from "../Errors"
import type * as Job from "../Job"
import { Producer } from "../Producer"
import type { EventPublisher } from "../ports/EventPublisher"
import { type JobCursor, JobRepository } from "../ports/JobRepository"
import { WorkerRegistry } from "../ports/WorkerRegistry"
import * as Worker from "../Worker"
import { nextEventMeta } from "./eventMeta"
import { publishStoredEvent } from "./publishEvent"

type Publishing = EventPublisher | Producer

/** Registers this process (named by its Producer) as a worker, then publishes WorkerStarted. */
export const registerWorker = Effect.fn("registerWorker")(function* (
  registration: Worker.Registration,
) {
  const registry = yield* WorkerRegistry
  const { worker, event } = Worker.start(registration, yield* nextEventMeta)
  const earlier = yield* registry.findById(worker.id)
  if (
    Option.isSome(earlier) &&
    Worker.isAlive(earlier.value, worker.startedAt) &&
    (earlier.value.pid !== worker.pid || earlier.value.host !== worker.host)
  ) {
    yield* Effect.logWarning(
      "another process used this worker id within the last 10 s; if it still runs, give each worker its own WORKER_ID",
    ).pipe(Effect.annotateLogs({ otherHost: earlier.value.host, otherPid: earlier.value.pid }))
  }
  yield* registry.register(worker)
  yield* publishStoredEvent(event)
  yield* Effect.logInfo("worker registered").pipe(
    Effect.annotateLogs({ host: worker.host, pid: worker.pid, concurrency: worker.concurrency }),
  )
  return worker
}) satisfies (
  registration: Worker.Registration,
) => Effect.Effect<Worker.Worker, RepositoryError, WorkerRegistry | Publishing>

/**
 * Records one heartbeat of this worker. When the registry has no live record of it
 * (another process marked it lost during a long pause, say), it registers again, so
 * the registry and the event stream show it alive once more.
 */
export const beatWorker = Effect.fn("beatWorker")(function* (registration: Worker.Registration) {
  const registry = yield* WorkerRegistry
  const id = yield* Producer
  const now = new Date(yield* Clock.currentTimeMillis)
  if (yield* registry.heartbeat(id, now)) {
    return
  }
  yield* Effect.logWarning("worker heartbeat refused: no live record; registering again")
  yield* registerWorker(registration)
}) satisfies (
  registration: Worker.Registration,
) => Effect.Effect<void, RepositoryError, WorkerRegistry | Publishing>

const stopAndPublish = (worker: Worker.Worker, reason: Worker.StopReason) =>
  Effect.gen(function* () {
    const decision = Worker.stop(worker, reason, yield* nextEventMeta)
    if (Option.isNone(decision)) {
      return false
    }
    const registry = yield* WorkerRegistry
    if (!(yield* registry.markStopped(decision.value.worker))) {
      return false
    }
    yield* publishStoredEvent(decision.value.event)
    return true
  })

/** Marks this worker stopped on shutdown and publishes WorkerStopped with reason `shutdown`. */
export const stopWorker = Effect.fn("stopWorker")(function* () {
  const registry = yield* WorkerRegistry
  const id = yield* Producer
  const found = yield* registry.findById(id)
  if (Option.isNone(found)) {
    return false
  }
  const stopped = yield* stopAndPublish(found.value, "shutdown")
  if (stopped) {
    yield* Effect.logInfo("worker unregistered")
  }
  return stopped
}) satisfies () => Effect.Effect<boolean, RepositoryError, WorkerRegistry | Publishing>

const SILENT_BATCH = 100

/**
 * Marks `lost`, with a WorkerStopped event, every worker that sent no heartbeat
 * for `timeout`. The store is conditional, so of several processes checking at once
 * only one reports each worker. Returns how many it marked.
 */
export const markLostWorkers = Effect.fn("markLostWorkers")(function* (
  timeout: Duration.Duration = Worker.TIMEOUT,
) {
  const registry = yield* WorkerRegistry
  const now = yield* Clock.currentTimeMillis
  const silent = yield* registry.findSilent(
    new Date(now - Duration.toMillis(timeout)),
    SILENT_BATCH,
  )
  let marked = 0
  for (const worker of silent) {
    if (yield* stopAndPublish(worker, "lost")) {
      yield* Effect.logWarning("worker lost: it stopped sending heartbeats").pipe(
        Effect.annotateLogs({
          lostWorkerId: worker.id,
          lastHeartbeatAt: worker.lastHeartbeatAt.toISOString(),
        }),
      )
      marked++
    }
  }
  return marked
}) satisfies (
  timeout?: Duration.Duration,
) => Effect.Effect<number, RepositoryError, WorkerRegistry | Publishing>

/** How long a stopped worker stays in the list after its last heartbeat. */
export const STOPPED_WORKERS_SHOWN_FOR = Duration.hours(1)

const RUNNING_PAGE_SIZE = 100

/** One worker as the API shows it: its record, whether it is alive, and the jobs it runs now. */
export interface WorkerOverview {
  readonly worker: Worker.Worker
  readonly alive: boolean
  readonly runningJobs: ReadonlyArray<Job.Job>
}

const runningJobs = Effect.gen(function* () {
  const repository = yield* JobRepository
  const found: Array<Job.Job> = []
  let after: JobCursor | undefined
  do {
    const page = yield* repository.list({ status: "RUNNING", limit: RUNNING_PAGE_SIZE, after })
    found.push(...page.items)
    after = page.next ?? undefined
  } while (after !== undefined)
  return found
})

/**
 * Every worker not marked stopped, and those that stopped within the last hour,
 * newest start first, each with the RUNNING jobs whose workerId names it (oldest
 * start first). `alive` is derived from the last heartbeat at the time of the call.
 */
export const listWorkers = Effect.fn("listWorkers")(function* () {
  const registry = yield* WorkerRegistry
  const now = yield* Clock.currentTimeMillis
  const workers = yield* registry.list(new Date(now - Duration.toMillis(STOPPED_WORKERS_SHOWN_FOR)))
  const running = yield* runningJobs
  return workers.map(
    (worker): WorkerOverview => ({
      worker,
      alive: Worker.isAlive(worker, new Date(now)),
      runningJobs: running
        .filter((job) => job.workerId === worker.id)
        .sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0)),
    }),
  )
}) satisfies () => Effect.Effect<
  ReadonlyArray<WorkerOverview>,
  RepositoryError,
  WorkerRegistry | JobRepository
>

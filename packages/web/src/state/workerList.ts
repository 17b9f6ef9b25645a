/**
 * The browser's copy of the worker registry, keyed by worker id, with the RUNNING jobs of each
 * worker. It starts from GET /api/workers and follows the event stream: worker events change a
 * worker, and job events move a job onto its worker (JobStarted) or off it (any other change).
 *
 * Worker events carry no version, so their times decide: an event older than the worker in the map
 * describes an earlier run of a worker with the same id and is ignored.
 */
import { Job, type JobEvent, type JobId, type WorkerEvent, type WorkerView } from "@jobs/domain"

export type WorkerMap = ReadonlyMap<string, WorkerView>

export const emptyWorkerMap: WorkerMap = new Map()

/** Replaces the map with a list from the API, which is the registry's state at that moment. */
export const fromWorkerList = (items: Iterable<WorkerView>): WorkerMap =>
  new Map([...items].map((worker) => [worker.id, worker]))

export interface WorkerEventResult {
  readonly workers: WorkerMap
  /**
   * True when the event is about a worker the map does not hold and the event alone cannot
   * describe it (a WorkerStopped): the caller should fetch the list again.
   */
  readonly workerMissing: boolean
}

/** Applies WorkerStarted (adds or restarts the worker) or WorkerStopped (marks it stopped). */
export const applyWorkerEvent = (workers: WorkerMap, event: WorkerEvent): WorkerEventResult => {
  const current = workers.get(event.workerId)
  switch (event._tag) {
    case "WorkerStarted": {
      if (current !== undefined && current.startedAt.getTime() > event.startedAt.getTime()) {
        return { workers, workerMissing: false }
      }
      const started: WorkerView = {
        id: event.workerId,
        host: event.host,
        pid: event.pid,
        concurrency: event.concurrency,
        startedAt: event.startedAt,
        lastHeartbeatAt: event.occurredAt,
        stoppedAt: null,
        stopReason: null,
        alive: true,
        // A worker that registers again after it was marked lost still runs its jobs; the job
        // events, not this one, take them off.
        runningJobs: current?.runningJobs ?? [],
      }
      return { workers: new Map(workers).set(started.id, started), workerMissing: false }
    }
    case "WorkerStopped": {
      if (current === undefined) {
        return { workers, workerMissing: true }
      }
      if (current.stoppedAt !== null || event.stoppedAt.getTime() < current.startedAt.getTime()) {
        return { workers, workerMissing: false }
      }
      // A lost worker's jobs stay listed until the stale-job check fails them: they are still
      // RUNNING in the database, and the panel shows what the database records.
      const stopped: WorkerView = {
        ...current,
        stoppedAt: event.stoppedAt,
        stopReason: event.reason,
        alive: false,
      }
      return { workers: new Map(workers).set(stopped.id, stopped), workerMissing: false }
    }
  }
}

/** The copy of a job listed under any worker in the map, if there is one. */
export const heldJob = (workers: WorkerMap, id: JobId): Job.Job | undefined => {
  for (const worker of workers.values()) {
    const job = worker.runningJobs.find((running) => running.id === id)
    if (job !== undefined) {
      return job
    }
  }
  return undefined
}

const withoutJob = (worker: WorkerView, id: JobId): WorkerView => ({
  ...worker,
  runningJobs: worker.runningJobs.filter((job) => job.id !== id),
})

const byStartTime = (a: Job.Job, b: Job.Job): number =>
  (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0)

export interface PlaceResult {
  readonly workers: WorkerMap
  /** True when a RUNNING job names a worker the map does not hold: fetch the list again. */
  readonly workerMissing: boolean
}

/**
 * Puts the latest known state of a job where it belongs: a RUNNING job under its worker, a job
 * in any other status under none. Does nothing when the map already contains the same or a newer
 * version of the job, so a late response never undoes a newer event.
 */
export const placeJob = (workers: WorkerMap, job: Job.Job): PlaceResult => {
  const held = heldJob(workers, job.id)
  if (held !== undefined && held.version >= job.version) {
    return { workers, workerMissing: false }
  }

  const target = job.status === "RUNNING" ? job.workerId : null
  if (target !== null && !workers.has(target)) {
    return { workers, workerMissing: true }
  }
  if (held === undefined && target === null) {
    return { workers, workerMissing: false }
  }

  const next = new Map<string, WorkerView>()
  for (const [id, worker] of workers) {
    const cleared = held === undefined ? worker : withoutJob(worker, job.id)
    next.set(
      id,
      id === target
        ? { ...cleared, runningJobs: [...cleared.runningJobs, job].sort(byStartTime) }
        : cleared,
    )
  }
  return { workers: next, workerMissing: false }
}

export interface JobEventResult extends PlaceResult {
  /**
   * The id of a started job whose name and duration the map cannot know from the event alone
   * (it holds no copy and the caller passed none): fetch the job and `placeJob` it.
   */
  readonly jobMissing: JobId | null
}

/**
 * Applies a job event. `known` is the caller's copy of the job before or after the event (the
 * job list's, say), needed only for JobStarted: the event names the worker but not the job's name
 * or duration. JobCreated changes no worker.
 */
export const applyJobEventToWorkers = (
  workers: WorkerMap,
  event: JobEvent,
  known: Job.Job | undefined,
): JobEventResult => {
  if (event._tag === "JobCreated") {
    return { workers, workerMissing: false, jobMissing: null }
  }
  const held = heldJob(workers, event.jobId)
  const base =
    held !== undefined && (known === undefined || held.version > known.version) ? held : known
  if (base === undefined) {
    // Neither copy exists, so no worker holds the job: only a start changes the panel, and it
    // needs the job itself.
    const jobMissing = event._tag === "JobStarted" ? event.jobId : null
    return { workers, workerMissing: false, jobMissing }
  }
  return { ...placeJob(workers, Job.applyEvent(base, event) ?? base), jobMissing: null }
}

/** The state the panel shows for a worker, in words as well as in its look. */
export type WorkerState = "alive" | "unresponsive" | "shutdown" | "lost"

/**
 * `unresponsive`: not stopped, yet the API saw no heartbeat for a while; the registry will mark
 * it lost soon.
 */
export const workerState = (worker: WorkerView): WorkerState => {
  if (worker.stoppedAt !== null) {
    return worker.stopReason === "lost" ? "lost" : "shutdown"
  }
  return worker.alive ? "alive" : "unresponsive"
}

/**
 * Workers not stopped first, by id; then the stopped ones, the most recently stopped first.
 * The panel shows them in this order.
 */
export const workerOrder = (workers: WorkerMap): ReadonlyArray<WorkerView> =>
  [...workers.values()].sort((a, b) => {
    if ((a.stoppedAt === null) !== (b.stoppedAt === null)) {
      return a.stoppedAt === null ? -1 : 1
    }
    if (a.stoppedAt !== null && b.stoppedAt !== null) {
      const byStop = b.stoppedAt.getTime() - a.stoppedAt.getTime()
      if (byStop !== 0) {
        return byStop
      }
    }
    if (a.id === b.id) {
      return 0
    }
    return a.id < b.id ? -1 : 1
  })

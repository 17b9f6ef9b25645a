import {
  DurationSeconds,
  Job,
  JobId,
  JobName,
  Worker,
  type WorkerEvent,
  type WorkerView,
} from "@jobs/domain"
import { Either, Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  applyJobEventToWorkers,
  applyWorkerEvent,
  emptyWorkerMap,
  fromWorkerList,
  heldJob,
  placeJob,
  type WorkerMap,
  workerOrder,
  workerState,
} from "../src/state/workerList"

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second))

const meta = (second: number, producer = "test") => ({
  eventId: crypto.randomUUID(),
  occurredAt: at(second),
  producer,
})

const registration = { host: "box-1", pid: 4242, concurrency: 2 }

const workerStarted = (id: string, second: number) =>
  Worker.start(registration, meta(second, id)).event

const workerStopped = (id: string, second: number, reason: Worker.StopReason) => {
  const { worker } = Worker.start(registration, meta(0, id))
  return Option.getOrThrow(Worker.stop(worker, reason, meta(second))).event
}

/** The map after the given worker events, applied in order. */
const afterEvents = (...events: ReadonlyArray<WorkerEvent>): WorkerMap =>
  events.reduce((workers, event) => applyWorkerEvent(workers, event).workers, emptyWorkerMap)

const created = (name: string) =>
  Job.create(
    {
      id: JobId.make(crypto.randomUUID()),
      name: JobName.make(name),
      durationSeconds: DurationSeconds.make(5),
    },
    meta(1),
  )

const started = (job: Job.Job, workerId: string, second = 2) =>
  Either.getOrThrow(Job.start(job, workerId, meta(second, workerId)))

/** A worker map where `worker-a` runs one job, with that job's RUNNING copy. */
const runningOnA = () => {
  const pending = created("report").job
  const run = started(pending, "worker-a")
  const workers = applyJobEventToWorkers(
    afterEvents(workerStarted("worker-a", 0)),
    run.event,
    pending,
  ).workers
  return { pending, running: run.job, workers }
}

const jobNamesOf = (workers: WorkerMap, id: string) =>
  workers.get(id)?.runningJobs.map((job) => job.name)

const view = (overrides: Partial<WorkerView>): WorkerView => ({
  id: "worker-x",
  host: "box-1",
  pid: 1,
  concurrency: 1,
  startedAt: at(0),
  lastHeartbeatAt: at(0),
  stoppedAt: null,
  stopReason: null,
  alive: true,
  runningJobs: [],
  ...overrides,
})

describe("worker events", () => {
  it("WorkerStarted adds an alive worker with its host, pid and concurrency", () => {
    const result = applyWorkerEvent(emptyWorkerMap, workerStarted("worker-a", 0))

    const worker = result.workers.get("worker-a")
    expect(result.workerMissing).toBe(false)
    expect(worker).toMatchObject({ host: "box-1", pid: 4242, concurrency: 2, alive: true })
    expect(worker?.runningJobs).toEqual([])
    expect(workerState(worker!)).toBe("alive")
  })

  it("WorkerStopped marks a known worker stopped with its reason", () => {
    const workers = afterEvents(workerStarted("worker-a", 0), workerStopped("worker-a", 5, "lost"))

    const worker = workers.get("worker-a")!
    expect(worker.alive).toBe(false)
    expect(worker.stoppedAt).toEqual(at(5))
    expect(workerState(worker)).toBe("lost")
  })

  it("WorkerStopped of an unknown worker asks for the list", () => {
    const result = applyWorkerEvent(emptyWorkerMap, workerStopped("worker-a", 5, "shutdown"))

    expect(result.workers).toBe(emptyWorkerMap)
    expect(result.workerMissing).toBe(true)
  })

  it("WorkerStopped older than the worker's start is ignored", () => {
    const workers = afterEvents(workerStarted("worker-a", 10))

    const result = applyWorkerEvent(workers, workerStopped("worker-a", 5, "shutdown"))

    expect(result.workers).toBe(workers)
    expect(result.workerMissing).toBe(false)
  })

  it("WorkerStarted after a stop shows the worker alive again", () => {
    const workers = afterEvents(
      workerStarted("worker-a", 0),
      workerStopped("worker-a", 5, "lost"),
      workerStarted("worker-a", 8),
    )

    expect(workerState(workers.get("worker-a")!)).toBe("alive")
    expect(workers.get("worker-a")?.startedAt).toEqual(at(8))
  })

  it("WorkerStarted older than the shown start is ignored", () => {
    const workers = afterEvents(workerStarted("worker-a", 8))

    expect(applyWorkerEvent(workers, workerStarted("worker-a", 0)).workers).toBe(workers)
  })

  it("WorkerStarted of a worker marked lost keeps the jobs it still runs", () => {
    const { workers } = runningOnA()
    const lost = applyWorkerEvent(workers, workerStopped("worker-a", 5, "lost")).workers

    const back = applyWorkerEvent(lost, workerStarted("worker-a", 6)).workers

    expect(jobNamesOf(lost, "worker-a")).toEqual(["report"])
    expect(jobNamesOf(back, "worker-a")).toEqual(["report"])
  })
})

describe("job events on workers", () => {
  it("JobStarted puts the job under the worker named in the event", () => {
    const { workers, running } = runningOnA()

    expect(jobNamesOf(workers, "worker-a")).toEqual(["report"])
    expect(heldJob(workers, running.id)?.status).toBe("RUNNING")
  })

  it("JobStarted works from the job list's copy whether or not it already applied the event", () => {
    const pending = created("report").job
    const run = started(pending, "worker-a")
    const workers = afterEvents(workerStarted("worker-a", 0))

    const fromPending = applyJobEventToWorkers(workers, run.event, pending)
    const fromRunning = applyJobEventToWorkers(workers, run.event, run.job)

    expect(jobNamesOf(fromPending.workers, "worker-a")).toEqual(["report"])
    expect(jobNamesOf(fromRunning.workers, "worker-a")).toEqual(["report"])
  })

  it("JobStarted for a job the page does not know asks for that job", () => {
    const run = started(created("report").job, "worker-a")
    const workers = afterEvents(workerStarted("worker-a", 0))

    const result = applyJobEventToWorkers(workers, run.event, undefined)

    expect(result.workers).toBe(workers)
    expect(result.jobMissing).toBe(run.job.id)
  })

  it("JobStarted on a worker the map does not hold asks for the list", () => {
    const pending = created("report").job
    const run = started(pending, "worker-b")

    const result = applyJobEventToWorkers(
      afterEvents(workerStarted("worker-a", 0)),
      run.event,
      pending,
    )

    expect(result.workerMissing).toBe(true)
    expect(jobNamesOf(result.workers, "worker-a")).toEqual([])
  })

  it.each([
    ["JobCompleted", (job: Job.Job) => Either.getOrThrow(Job.complete(job, meta(7))).event],
    ["JobCancelled", (job: Job.Job) => Either.getOrThrow(Job.cancel(job, meta(7))).event],
    ["JobFailed", (job: Job.Job) => Either.getOrThrow(Job.fail(job, "boom", meta(7))).event],
    [
      "JobRequeued",
      (job: Job.Job) => Either.getOrThrow(Job.release(job, "worker-a shut down", meta(7))).event,
    ],
  ] as const)("%s takes the job off its worker", (tag, endRun) => {
    const { workers, running } = runningOnA()
    const event = endRun(running)

    const result = applyJobEventToWorkers(workers, event, undefined)

    expect(event._tag).toBe(tag)
    expect(jobNamesOf(result.workers, "worker-a")).toEqual([])
    expect(result.jobMissing).toBeNull()
  })

  it("a late JobStarted does not bring back a job that already ended", () => {
    const { workers, pending, running } = runningOnA()
    const completion = Either.getOrThrow(Job.complete(running, meta(7)))
    const ended = applyJobEventToWorkers(workers, completion.event, running).workers

    const late = applyJobEventToWorkers(ended, started(pending, "worker-a").event, completion.job)

    expect(jobNamesOf(late.workers, "worker-a")).toEqual([])
  })

  it("a requeued job that starts again moves to its new worker", () => {
    const { workers, running } = runningOnA()
    const release = Either.getOrThrow(Job.release(running, "worker-a shut down", meta(7)))
    const withB = applyWorkerEvent(workers, workerStarted("worker-b", 8)).workers
    const requeued = applyJobEventToWorkers(withB, release.event, running).workers
    const restart = started(release.job, "worker-b", 9)

    const moved = applyJobEventToWorkers(requeued, restart.event, release.job).workers

    expect(jobNamesOf(moved, "worker-a")).toEqual([])
    expect(jobNamesOf(moved, "worker-b")).toEqual(["report"])
  })

  it("JobCreated changes no worker", () => {
    const workers = afterEvents(workerStarted("worker-a", 0))
    const { job, event } = created("report")

    expect(applyJobEventToWorkers(workers, event, job).workers).toBe(workers)
  })

  it("placeJob ignores a fetched copy older than the one held", () => {
    const { workers, pending } = runningOnA()

    expect(placeJob(workers, pending).workers).toBe(workers)
  })
})

describe("worker list order and state", () => {
  it("shows workers not stopped first, then the most recently stopped", () => {
    const workers = fromWorkerList([
      view({ id: "worker-old", stoppedAt: at(5), stopReason: "shutdown", alive: false }),
      view({ id: "worker-b" }),
      view({ id: "worker-new", stoppedAt: at(9), stopReason: "lost", alive: false }),
      view({ id: "worker-a", alive: false }),
    ])

    expect(workerOrder(workers).map((worker) => worker.id)).toEqual([
      "worker-a",
      "worker-b",
      "worker-new",
      "worker-old",
    ])
  })

  it.each([
    [{ alive: true }, "alive"],
    [{ alive: false }, "unresponsive"],
    [{ alive: false, stoppedAt: at(3), stopReason: "shutdown" }, "shutdown"],
    [{ alive: false, stoppedAt: at(3), stopReason: "lost" }, "lost"],
  ] as const)("state of %j is %s", (overrides, expected) => {
    expect(workerState(view(overrides))).toBe(expected)
  })
})

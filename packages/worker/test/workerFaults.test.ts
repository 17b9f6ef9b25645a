/**
 * Worker faults as separate processes: the API server and two workers started
 * from their entry points on a throwaway database and a channel of their own,
 * watched through /api/events. One worker is killed, or stopped with SIGTERM,
 * while it runs a job, and the other one must take care of that job. The tests run
 * in order and share the processes.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { closedPort } from "../../adapters/test/support/Network"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../adapters/test/support/TestRedis"
import {
  describeOutputs,
  exitWithin,
  killIfRunning,
  type RunningProcess,
  SERVER_ENTRY,
  startProcess,
  WORKER_ENTRY,
} from "../../server/test/support/Processes"
import { SseClient } from "../../server/test/support/SseClient"

interface Envelope {
  readonly event_type: string
  readonly job_id: string
  readonly event_id: string
  readonly job_version: number
  readonly producer: string
  readonly payload: Readonly<Record<string, unknown>>
}

interface JobJson {
  readonly id: string
  readonly status: string
}

let database: TestDatabase | undefined
let baseUrl: string
let env: Readonly<Record<string, string>>
let server: RunningProcess | undefined
let events: SseClient | undefined
/** Every worker started by this file, by its producer name (`worker-<id>`). */
const workers = new Map<string, RunningProcess>()

const startWorker = async (name: string): Promise<RunningProcess> => {
  const workerId = `${name}-${process.pid}`
  const worker = startProcess(`worker-faults-${name}`, WORKER_ENTRY, {
    ...env,
    WORKER_ID: workerId,
  })
  workers.set(`worker-${workerId}`, worker)
  await worker.waitForLine(/message="worker started"/)
  return worker
}

beforeAll(async () => {
  database = await createTestDatabase()
  const port = await closedPort()
  baseUrl = `http://127.0.0.1:${port}`
  env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    EVENTS_CHANNEL: uniqueChannel(),
    LOG_LEVEL: "debug",
  }

  server = startProcess("worker-faults-server", SERVER_ENTRY, { ...env, PORT: String(port) })
  try {
    await server.waitForLine(/message="Listening on /)
    await Promise.all([startWorker("a"), startWorker("b")])
  } catch (error) {
    console.error(describeOutputs([server, ...workers.values()]))
    throw error
  }

  events = await SseClient.open(`${baseUrl}/api/events`)
  await events.nextFrame()
})

afterAll(async () => {
  events?.close()
  await killIfRunning(server)
  for (const worker of workers.values()) {
    await killIfRunning(worker)
  }
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
})

const printOutputsOnFailure = () =>
  onTestFailed(() => {
    console.error(describeOutputs([server, ...workers.values()]))
  })

const createJob = async (name: string, durationSeconds: number): Promise<JobJson> => {
  const response = await fetch(`${baseUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, durationSeconds }),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as JobJson
}

const getJob = async (id: string): Promise<JobJson> =>
  (await (await fetch(`${baseUrl}/api/jobs/${id}`)).json()) as JobJson

const getJobEvents = async (id: string): Promise<ReadonlyArray<Envelope>> => {
  const response = await fetch(`${baseUrl}/api/jobs/${id}/events`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { items: ReadonlyArray<Envelope> }).items
}

const EVENT_WAIT_MILLIS = 10_000

/** Returns the next event about `jobId` on /api/events, skipping events of other jobs. */
const nextEventOf = async (jobId: string, waitMillis = EVENT_WAIT_MILLIS): Promise<Envelope> => {
  const deadline = Date.now() + waitMillis
  for (;;) {
    const frame = await events!.nextData(Math.max(deadline - Date.now(), 0))
    const envelope = JSON.parse(frame.data ?? "") as Envelope
    if (envelope.job_id === jobId) {
      return envelope
    }
  }
}

/** Creates a job and waits until a worker starts it. Returns the job and that worker. */
const createStartedJob = async (name: string, durationSeconds: number) => {
  const job = await createJob(name, durationSeconds)
  expect((await nextEventOf(job.id)).event_type).toBe("JobCreated")
  const started = await nextEventOf(job.id)
  expect(started.event_type).toBe("JobStarted")

  const runner = workers.get(started.producer)
  expect(runner).toBeDefined()
  // The worker logs this line right after storing and publishing the claim, just
  // before the run starts its sleep.
  await runner!.waitForLine(new RegExp(`message="job claimed".*jobId=${job.id}`))
  return { job, runner: runner!, runnerName: started.producer }
}

const isRunning = (worker: RunningProcess): boolean =>
  worker.child.exitCode === null && worker.child.signalCode === null

describe("worker faults", () => {
  it("killed worker's job fails by heartbeat timeout", async () => {
    printOutputsOnFailure()
    const { job, runner, runnerName } = await createStartedJob("killed worker", 20)

    runner.child.kill("SIGKILL")
    expect(await runner.exited).toEqual({ code: null, signal: "SIGKILL" })

    // 10 s heartbeat timeout + at most 2 s until the next stale-job check, with a
    // margin for the check itself and the event's way to the server.
    const failed = await nextEventOf(job.id, 15_000)
    // The surviving worker and the API run the same check; whichever comes first fails it.
    const survivor = [...workers.entries()].find(([, worker]) => isRunning(worker))
    expect(failed.event_type).toBe("JobFailed")
    expect([survivor?.[0], "api"]).toContain(failed.producer)
    expect(failed.payload.reason).toEqual(expect.stringContaining(runnerName))

    expect((await getJob(job.id)).status).toBe("FAILED")
    const stored = await getJobEvents(job.id)
    expect(stored.map((event) => event.event_type)).toEqual([
      "JobCreated",
      "JobStarted",
      "JobFailed",
    ])
    expect(stored.at(-1)?.event_id).toBe(failed.event_id)
  })

  it("SIGTERM requeues the job to another worker", async () => {
    printOutputsOnFailure()
    await startWorker("c")
    const { job, runner, runnerName } = await createStartedJob("stopped worker", 3)

    runner.child.kill("SIGTERM")

    expect(await exitWithin(runner, 5_000)).toEqual({ code: 0, signal: null })
    expect(runner.output()).toMatch(/message="worker stopping" requeuedJobs=1 runningJobs=1/)
    const requeued = await nextEventOf(job.id)
    const restarted = await nextEventOf(job.id)
    const completed = await nextEventOf(job.id)
    expect(requeued).toMatchObject({ event_type: "JobRequeued", producer: runnerName })
    expect(requeued.payload.previousWorkerId).toBe(runnerName)
    expect(restarted.event_type).toBe("JobStarted")
    expect(restarted.producer).not.toBe(runnerName)
    expect(completed).toMatchObject({ event_type: "JobCompleted", producer: restarted.producer })

    expect((await getJob(job.id)).status).toBe("COMPLETED")
    expect((await getJobEvents(job.id)).map((event) => event.event_type)).toEqual([
      "JobCreated",
      "JobStarted",
      "JobRequeued",
      "JobStarted",
      "JobCompleted",
    ])
  })
})

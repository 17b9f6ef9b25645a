/**
 * The whole backend as separate processes: the API server and one worker started
 * from their entry points on a throwaway database and a channel of their own,
 * watched through /api/events. The tests run in order and share the processes.
 */
import { hostname } from "node:os"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { closedPort } from "../../adapters/test/support/Network"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { REDIS_URL, rawRedisClient, uniqueChannel } from "../../adapters/test/support/TestRedis"
import {
  describeOutputs,
  exitWithin,
  killIfRunning,
  type RunningProcess,
  SERVER_ENTRY,
  startProcess,
  WORKER_ENTRY,
} from "../../server/test/support/Processes"
import { SseClient, type SseClient as SseClientType } from "../../server/test/support/SseClient"

/** The log message of the Redis adapter for a message it could not decode. */
const SKIPPED_MESSAGE_LOG = /message="invalid event message skipped"/

const WORKER_ID = `process-test-${process.pid}`

interface Envelope {
  readonly event_type: string
  /** Absent on worker events, which carry worker_id instead. */
  readonly job_id?: string
  readonly worker_id?: string
  readonly payload: Record<string, unknown>
  readonly event_id: string
  readonly job_version: number
  readonly producer: string
}

interface JobJson {
  readonly id: string
  readonly status: string
}

interface WorkerJson {
  readonly id: string
  readonly host: string
  readonly pid: number
  readonly concurrency: number
  readonly alive: boolean
  readonly stoppedAt: string | null
  readonly stopReason: string | null
  readonly runningJobs: ReadonlyArray<JobJson>
}

let database: TestDatabase
let channel: string
let baseUrl: string
let server: RunningProcess | undefined
let worker: RunningProcess | undefined
let events: SseClientType | undefined

beforeAll(async () => {
  database = await createTestDatabase()
  channel = uniqueChannel()
  const port = await closedPort()
  baseUrl = `http://127.0.0.1:${port}`

  // Both start on an empty database and migrate it at once: the advisory lock
  // in the Postgres adapter has to serialise them.
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    EVENTS_CHANNEL: channel,
    LOG_LEVEL: "debug",
  }
  server = startProcess("processes-server", SERVER_ENTRY, { ...env, PORT: String(port) })
  worker = startProcess("processes-worker", WORKER_ENTRY, { ...env, WORKER_ID })

  try {
    await server.waitForLine(/message="Listening on /)
    await worker.waitForLine(/message="worker started"/)
  } catch (error) {
    console.error(describeOutputs([server, worker]))
    throw error
  }
  const health = await fetch(`${baseUrl}/api/health`)
  expect(health.status).toBe(200)

  events = await SseClient.open(`${baseUrl}/api/events`)
  await events.nextFrame()
})

afterAll(async () => {
  events?.close()
  await killIfRunning(server)
  await killIfRunning(worker)
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
})

const printOutputsOnFailure = () =>
  onTestFailed(() => {
    console.error(describeOutputs([server, worker]))
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

const listWorkers = async (): Promise<ReadonlyArray<WorkerJson>> => {
  const response = await fetch(`${baseUrl}/api/workers`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { readonly items: ReadonlyArray<WorkerJson> }).items
}

const EVENT_WAIT_MILLIS = 10_000

/** Returns the next event on the stream, whichever job it is about. */
const nextEvent = async (waitMillis = EVENT_WAIT_MILLIS): Promise<Envelope> => {
  const frame = await events!.nextData(waitMillis)
  const envelope = JSON.parse(frame.data ?? "") as Envelope
  expect(frame.id).toBe(envelope.event_id)
  return envelope
}

/** Returns the next event of type `eventType`, skipping the others. */
const nextEventOfType = async (
  eventType: string,
  waitMillis = EVENT_WAIT_MILLIS,
): Promise<Envelope> => {
  const deadline = Date.now() + waitMillis
  for (;;) {
    const envelope = await nextEvent(Math.max(deadline - Date.now(), 0))
    if (envelope.event_type === eventType) {
      return envelope
    }
  }
}

/** Returns the next event about `jobId`, skipping events of other jobs. */
const nextEventOf = async (jobId: string, waitMillis = EVENT_WAIT_MILLIS): Promise<Envelope> => {
  const deadline = Date.now() + waitMillis
  for (;;) {
    const envelope = await nextEvent(Math.max(deadline - Date.now(), 0))
    if (envelope.job_id === jobId) {
      return envelope
    }
  }
}

describe("server and worker processes", () => {
  it("messages that are not valid events are skipped by both processes", async () => {
    printOutputsOnFailure()
    const unknownType = JSON.stringify({
      event_type: "JobExploded",
      job_id: crypto.randomUUID(),
      timestamp: new Date().toISOString(),
      payload: {},
      event_id: crypto.randomUUID(),
      job_version: 1,
      producer: "test",
    })

    await Effect.runPromise(
      Effect.gen(function* () {
        const redis = yield* rawRedisClient
        yield* Effect.promise(() => redis.publish(channel, "not json"))
        yield* Effect.promise(() => redis.publish(channel, unknownType))
      }).pipe(Effect.scoped),
    )

    for (const running of [server!, worker!]) {
      expect(await running.waitForLine(/not json/)).toMatch(SKIPPED_MESSAGE_LOG)
      expect(await running.waitForLine(/JobExploded/)).toMatch(SKIPPED_MESSAGE_LOG)
    }
    const job = await createJob("after bad messages", 0)
    const first = await nextEvent()
    expect([first.event_type, first.job_id]).toEqual(["JobCreated", job.id])
  })

  it("the worker is registered and listed as alive", async () => {
    printOutputsOnFailure()

    expect(await listWorkers()).toEqual([
      expect.objectContaining({
        id: `worker-${WORKER_ID}`,
        host: hostname(),
        pid: worker!.child.pid,
        concurrency: 4,
        alive: true,
        stoppedAt: null,
        stopReason: null,
      }),
    ])
  })

  it("a one-second job is created, started and completed in order", async () => {
    printOutputsOnFailure()

    const job = await createJob("one second", 1)
    const created = await nextEventOf(job.id)
    const started = await nextEventOf(job.id)
    const completed = await nextEventOf(job.id)

    expect(created).toMatchObject({ event_type: "JobCreated", producer: "api", job_version: 1 })
    expect(started).toMatchObject({
      event_type: "JobStarted",
      producer: `worker-${WORKER_ID}`,
      job_version: 2,
    })
    expect(completed).toMatchObject({
      event_type: "JobCompleted",
      producer: `worker-${WORKER_ID}`,
      job_version: 3,
    })
    expect((await getJob(job.id)).status).toBe("COMPLETED")
  })

  it("a running job that is cancelled never completes", async () => {
    printOutputsOnFailure()

    const job = await createJob("twenty seconds", 20)
    expect((await nextEventOf(job.id)).event_type).toBe("JobCreated")
    expect((await nextEventOf(job.id)).event_type).toBe("JobStarted")
    const [running] = await listWorkers()
    expect(running?.runningJobs.map((listed) => [listed.id, listed.status])).toEqual([
      [job.id, "RUNNING"],
    ])

    const response = await fetch(`${baseUrl}/api/jobs/${job.id}/cancel`, { method: "POST" })
    expect(response.status).toBe(200)
    expect(((await response.json()) as JobJson).status).toBe("CANCELLED")
    expect(await nextEventOf(job.id)).toMatchObject({
      event_type: "JobCancelled",
      producer: "api",
      job_version: 3,
    })

    // The worker stops the run when the JobCancelled reaches it and logs who
    // cancelled the job. No event about the job may follow, even two seconds later.
    const stopped = await worker!.waitForLine(
      new RegExp(`message="job cancelled, run stopped".*jobId=${job.id}`),
    )
    expect(stopped).toMatch(/cancelledBy=api/)
    expect(stopped).toMatch(/cancelledAt=\d{4}-\d\d-\d\dT/)
    expect(worker!.output()).not.toMatch(new RegExp(`job requeued.*jobId=${job.id}`))
    const later = await nextEventOf(job.id, 2_000).then(
      (envelope) => envelope.event_type,
      () => "no event",
    )
    expect(later).toBe("no event")
    expect((await getJob(job.id)).status).toBe("CANCELLED")
  })

  it("a worker stopped by SIGTERM exits with code 0 and is reported stopped", async () => {
    printOutputsOnFailure()

    // A second signal, as `node --watch` forwards one, must not cut the shutdown short.
    worker!.child.kill("SIGTERM")
    worker!.child.kill("SIGINT")

    expect(await exitWithin(worker!, 5_000)).toEqual({ code: 0, signal: null })
    expect(await nextEventOfType("WorkerStopped")).toMatchObject({
      worker_id: `worker-${WORKER_ID}`,
      producer: `worker-${WORKER_ID}`,
      payload: { reason: "shutdown" },
    })
    expect(await listWorkers()).toEqual([
      expect.objectContaining({ alive: false, stopReason: "shutdown", runningJobs: [] }),
    ])
  })

  it("the server exits with code 0 within 5 s of SIGTERM", async () => {
    printOutputsOnFailure()

    server!.child.kill("SIGTERM")

    expect(await exitWithin(server!, 5_000)).toEqual({ code: 0, signal: null })
  })
})

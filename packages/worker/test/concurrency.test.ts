/**
 * The concurrency limit as separate processes: the API server and one worker with
 * WORKER_CONCURRENCY=4, on a throwaway database and a channel of their own. Ten
 * one-second jobs must all complete, never more than four RUNNING at once.
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
  killIfRunning,
  type RunningProcess,
  SERVER_ENTRY,
  startProcess,
  WORKER_ENTRY,
} from "../../server/test/support/Processes"

const CONCURRENCY = 4
const JOBS = 10
const POLL_MILLIS = 100
/** Ten 1 s jobs in slots of four take about 3 s; this only catches a worker that stalls. */
const FINISH_WITHIN_MILLIS = 10_000

interface JobJson {
  readonly id: string
  readonly status: string
  readonly workerId: string | null
}

let database: TestDatabase | undefined
let baseUrl: string
let server: RunningProcess | undefined
let worker: RunningProcess | undefined

beforeAll(async () => {
  database = await createTestDatabase()
  const port = await closedPort()
  baseUrl = `http://127.0.0.1:${port}`
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    EVENTS_CHANNEL: uniqueChannel(),
    LOG_LEVEL: "debug",
  }
  server = startProcess("concurrency-server", SERVER_ENTRY, { ...env, PORT: String(port) })
  try {
    await server.waitForLine(/message="Listening on /)
    // The worker starts after the server has migrated the database.
    worker = startProcess("concurrency-worker", WORKER_ENTRY, {
      ...env,
      WORKER_ID: `concurrency-${process.pid}`,
      WORKER_CONCURRENCY: String(CONCURRENCY),
    })
    await worker.waitForLine(/message="worker started"/)
  } catch (error) {
    console.error(describeOutputs([server, worker]))
    throw error
  }
})

afterAll(async () => {
  await killIfRunning(server)
  await killIfRunning(worker)
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
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

const jobsWithStatus = async (status: string): Promise<ReadonlyArray<JobJson>> => {
  const response = await fetch(`${baseUrl}/api/jobs?status=${status}&limit=100`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { items: ReadonlyArray<JobJson> }).items
}

const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

describe("worker concurrency", () => {
  it("ten jobs run four at a time", async () => {
    onTestFailed(() => {
      console.error(describeOutputs([server, worker]))
    })
    expect(await worker!.waitForLine(/message="worker started"/)).toMatch(/concurrency=4/)

    const began = Date.now()
    const ids = new Set<string>()
    for (let index = 1; index <= JOBS; index++) {
      ids.add((await createJob(`limited ${index}`, 1)).id)
    }

    let maxRunning = 0
    let completed = 0
    while (completed < JOBS && Date.now() - began < FINISH_WITHIN_MILLIS) {
      const running = (await jobsWithStatus("RUNNING")).filter((job) => ids.has(job.id))
      maxRunning = Math.max(maxRunning, running.length)
      completed = (await jobsWithStatus("COMPLETED")).filter((job) => ids.has(job.id)).length
      if (completed < JOBS) {
        await pause(POLL_MILLIS)
      }
    }
    const seconds = (Date.now() - began) / 1000

    console.info(
      `${JOBS} jobs of 1 s with WORKER_CONCURRENCY=${CONCURRENCY}: all completed after ${seconds.toFixed(1)} s, at most ${maxRunning} RUNNING at once`,
    )
    expect(completed).toBe(JOBS)
    expect(maxRunning).toBeGreaterThan(0)
    expect(maxRunning).toBeLessThanOrEqual(CONCURRENCY)
    expect(seconds).toBeLessThan(FINISH_WITHIN_MILLIS / 1000)
  })
})

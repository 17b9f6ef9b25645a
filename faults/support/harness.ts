/**
 * Starts what a scenario needs (servers, a database, the API server, workers) and stops
 * all of it again, in reverse order, even when the scenario fails.
 */
import { randomUUID } from "node:crypto"
import { closedPort } from "../../packages/adapters/test/support/Network"
import {
  describeOutputs,
  killIfRunning,
  type RunningProcess,
  SERVER_ENTRY,
  startProcess,
  WORKER_ENTRY,
} from "../../packages/server/test/support/Processes"
import {
  createDatabase,
  OwnPostgres,
  OwnRedis,
  SHARED_POSTGRES_URL,
  SHARED_REDIS_URL,
} from "./servers"

/** Cleanup steps, run last-in first-out by `close`. */
export class Stack {
  private readonly steps: Array<{ label: string; run: () => Promise<void> }> = []
  readonly processes: Array<RunningProcess> = []

  defer(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run })
  }

  /** Runs every step; a step that fails is reported and the others still run. */
  async close(): Promise<void> {
    const failures: Array<string> = []
    for (const step of this.steps.reverse()) {
      try {
        await step.run()
      } catch (error) {
        failures.push(`${step.label}: ${String(error)}`)
      }
    }
    this.steps.length = 0
    if (failures.length > 0) {
      throw new Error(`cleanup failed: ${failures.join("; ")}`)
    }
  }

  /** Joins the output of every process started so far, for a failure message. */
  describeProcesses(): string {
    return describeOutputs(this.processes)
  }
}

export interface Backend {
  readonly databaseUrl: string
  readonly redisUrl: string
  readonly channel: string
  /** Set when the scenario runs its own Redis. */
  readonly redis: OwnRedis | undefined
  /** Set when the scenario runs its own PostgreSQL cluster. */
  readonly postgres: OwnPostgres | undefined
}

export interface BackendOptions {
  /** Run a redis-server of the scenario's own instead of using the shared one. */
  readonly ownRedis?: boolean
  /** Run a PostgreSQL cluster of the scenario's own instead of a database on the shared one. */
  readonly ownPostgres?: boolean
}

/** Prepares the database and Redis of one scenario and registers their cleanup on `stack`. */
export const startBackend = async (
  stack: Stack,
  name: string,
  options: BackendOptions = {},
): Promise<Backend> => {
  let redis: OwnRedis | undefined
  if (options.ownRedis === true) {
    const started = await OwnRedis.start(`${name}-redis`)
    redis = started
    stack.defer("stop redis-server", () => started.stop())
  }

  let postgres: OwnPostgres | undefined
  let databaseUrl: string
  if (options.ownPostgres === true) {
    const cluster = await OwnPostgres.start(`${name}-postgres`)
    postgres = cluster
    stack.defer("remove the PostgreSQL cluster", () => cluster.remove())
    const database = await createDatabase(`postgres://postgres@127.0.0.1:${cluster.port}`)
    databaseUrl = database.url
  } else {
    const database = await createDatabase(SHARED_POSTGRES_URL)
    stack.defer("drop the database", database.drop)
    databaseUrl = database.url
  }

  return {
    databaseUrl,
    redisUrl: redis?.url ?? SHARED_REDIS_URL,
    channel: `job_events_faults_${randomUUID().replaceAll("-", "").slice(0, 16)}`,
    redis,
    postgres,
  }
}

const commonEnv = (backend: Backend) => ({
  DATABASE_URL: backend.databaseUrl,
  REDIS_URL: backend.redisUrl,
  EVENTS_CHANNEL: backend.channel,
  LOG_LEVEL: "info",
  // The scenarios put up to 25 jobs on one worker at once, to fault them together.
  // The per-worker limit (default 4) has its own test in packages/worker.
  WORKER_CONCURRENCY: "100",
})

/** Time a process may take from spawn to ready: tsx compiles on the fly, on two cores. */
const START_WAIT_MILLIS = 60_000

const awaitReady = async (stack: Stack, running: RunningProcess, pattern: RegExp) => {
  try {
    await running.waitForLine(pattern, START_WAIT_MILLIS)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`${reason}\n${stack.describeProcesses()}`)
  }
}

export interface Api {
  readonly process: RunningProcess
  readonly baseUrl: string
}

/** Starts the API server and resolves once it listens. */
export const startApi = async (stack: Stack, backend: Backend, name: string): Promise<Api> => {
  const port = await closedPort()
  const running = startProcess(name, SERVER_ENTRY, {
    ...commonEnv(backend),
    PORT: String(port),
    HOST: "127.0.0.1",
  })
  stack.processes.push(running)
  stack.defer(`stop ${name}`, () => killIfRunning(running))
  await awaitReady(stack, running, /message="Listening on /)
  return { process: running, baseUrl: `http://127.0.0.1:${port}` }
}

/** Starts a worker named `worker-<workerId>` and resolves once it has started. */
export const startWorker = async (
  stack: Stack,
  backend: Backend,
  workerId: string,
): Promise<RunningProcess> => {
  const running = startProcess(workerId, WORKER_ENTRY, {
    ...commonEnv(backend),
    WORKER_ID: workerId,
  })
  stack.processes.push(running)
  stack.defer(`stop ${workerId}`, () => killIfRunning(running))
  await awaitReady(stack, running, /message="worker started"/)
  return running
}

/** Sends SIGTERM and waits for the exit; returns the exit code, signal and seconds taken. */
export const terminate = async (running: RunningProcess) => {
  const begin = Date.now()
  running.child.kill("SIGTERM")
  const exit = await running.exited
  return { ...exit, seconds: (Date.now() - begin) / 1000 }
}

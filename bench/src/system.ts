/**
 * The app under measurement: a fresh, migrated database on the shared PostgreSQL
 * (127.0.0.1:5432), the shared Redis (127.0.0.1:6379) with a Pub/Sub channel no other run
 * uses, one API server and one or more worker processes on free loopback ports. The two
 * processes run from the bundles of `bun run build`, as in production, built once per run.
 * Every part registers its cleanup on the caller's stack, so the processes are killed by PID
 * and the database is dropped even when the scenario fails.
 */

import { execFile } from "node:child_process"
import { promisify } from "node:util"
import type { Stack } from "../../faults/support/harness"
import { closedPort } from "../../packages/adapters/test/support/Network"
import {
  createTestDatabase,
  dropTestDatabase,
  newTestDatabase,
  type TestDatabase,
} from "../../packages/adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../packages/adapters/test/support/TestRedis"
import {
  ROOT_DIR,
  type RunningProcess,
  SERVER_BUNDLE,
  WORKER_BUNDLE,
} from "../../packages/server/test/support/Processes"
import { awaitLine, startScript } from "./children"
import { EventFeed } from "./events"

const execFileAsync = promisify(execFile)

/** The commands of our API server and worker, for the report. */
export const PROCESS_COMMANDS = `node ${SERVER_BUNDLE}, node ${WORKER_BUNDLE}`

let bundlesBuilt: Promise<string> | undefined

/**
 * Runs `bun run build` (scripts/build.mjs) the first time it is called in this run, so the
 * bundles match the sources, and returns the build's summary line. Later calls share that build.
 */
export const buildBundles = (): Promise<string> => {
  bundlesBuilt ??= execFileAsync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT_DIR }).then(
    ({ stdout }) => stdout.trim(),
    (error: unknown) => {
      const stderr =
        typeof error === "object" && error !== null && "stderr" in error ? String(error.stderr) : ""
      throw new Error(`bun run build failed: ${stderr.trim() || String(error)}`)
    },
  )
  return bundlesBuilt
}

/** The worker's default in these runs, high enough that no sample waits for a free slot. */
export const DEFAULT_CONCURRENCY = 100

export interface SystemOptions {
  /** Worker processes to start now (default 1); more can be added with `addWorker`. */
  readonly workers?: number
  /** WORKER_CONCURRENCY of each worker (default 100). */
  readonly concurrency?: number
  /** SSE_MAX_CLIENTS of the API server; unset keeps the server's default. */
  readonly sseMaxClients?: number
}

export interface System {
  readonly baseUrl: string
  readonly database: TestDatabase
  readonly api: RunningProcess
  /** The first worker, or undefined when none was started. */
  readonly worker: RunningProcess
  readonly workers: ReadonlyArray<RunningProcess>
  /** Every event of GET /api/events, with the time each one arrived. */
  readonly events: EventFeed
  /** Starts one more worker with the system's concurrency and resolves once it has started. */
  readonly addWorker: () => Promise<RunningProcess>
}

/** Creates a fresh database with the app's schema, dropped when `stack` closes. */
export const prepareDatabase = async (stack: Stack): Promise<TestDatabase> => {
  const database = newTestDatabase()
  // NOTE: a signal during CREATE DATABASE can run this drop before the create commits,
  // which leaves an empty jobs_test_* database behind.
  stack.defer("drop the database", () => dropTestDatabase(database))
  // The migrations run here, once, so the API server and the worker never race to
  // create the migrations table.
  await createTestDatabase({ database, migrate: true })
  return database
}

/**
 * Starts the system on `database` (a new one when not given). Both processes run with
 * LOG_LEVEL=info and the default logfmt format, and write their output to
 * test-output/<name>-<pid>.log.
 */
export const startSystem = async (
  stack: Stack,
  name: string,
  options: SystemOptions = {},
  given?: TestDatabase,
): Promise<System> => {
  await buildBundles()
  const database = given ?? (await prepareDatabase(stack))
  const common = {
    DATABASE_URL: database.url,
    REDIS_URL,
    EVENTS_CHANNEL: uniqueChannel("job_events_bench"),
    LOG_LEVEL: "info",
  }

  const port = await closedPort()
  const api = startScript(
    stack,
    `${name}-api`,
    SERVER_BUNDLE,
    {
      ...common,
      PORT: String(port),
      HOST: "127.0.0.1",
      ...(options.sseMaxClients === undefined
        ? {}
        : { SSE_MAX_CLIENTS: String(options.sseMaxClients) }),
    },
    { loader: "none" },
  )
  const listening = awaitLine(stack, api, /message="Listening on /)
  const baseUrl = `http://127.0.0.1:${port}`

  const workers: Array<RunningProcess> = []
  let started = 0
  const addWorker = async () => {
    const workerId = `${name}-worker-${++started}`
    const worker = startScript(
      stack,
      workerId,
      WORKER_BUNDLE,
      {
        ...common,
        WORKER_ID: workerId,
        WORKER_CONCURRENCY: String(options.concurrency ?? DEFAULT_CONCURRENCY),
      },
      { loader: "none" },
    )
    await awaitLine(stack, worker, /message="worker started"/)
    workers.push(worker)
    return worker
  }
  // The workers start while the API server starts, which halves the wait on a busy machine.
  await Promise.all([listening, ...Array.from({ length: options.workers ?? 1 }, () => addWorker())])

  const events = await EventFeed.open(baseUrl)
  stack.defer("close the event stream", async () => events.close())

  return {
    baseUrl,
    database,
    api,
    get worker() {
      const first = workers[0]
      if (first === undefined) {
        throw new Error("this system has no worker")
      }
      return first
    },
    workers,
    events,
    addWorker,
  }
}

/** Gives a scenario a running system of ours on a fresh, migrated database. */
export type StartSystem = (stack: Stack, name: string, options?: SystemOptions) => Promise<System>

/** Full mode: every call starts a fresh system, with the caller's options, on `stack`. */
export const freshSystems: StartSystem = (stack, name, options) => startSystem(stack, name, options)

/**
 * The worker concurrency of the smoke run's shared system: what pickup, throughput and
 * delivery use in full mode. Cancel runs one job at a time, so it needs no more.
 */
const SHARED_CONCURRENCY = 10

/**
 * Smoke mode: one system, started at the first call, given to every caller. Starting an
 * API server and a worker takes about a second each on two busy cores, and a new database
 * more, which a smoke run does not spend once per scenario. The system's cleanup goes on
 * `runStack`, which lives for the whole run, so a scenario's own stack never stops it. The
 * callers' options are ignored.
 */
export const sharedSystems = (runStack: Stack): StartSystem => {
  let shared: Promise<System> | undefined
  return () => {
    shared ??= startSystem(runStack, "bench-smoke", { concurrency: SHARED_CONCURRENCY })
    return shared
  }
}

/** The processes of the smoke run's shared system, for the settings of the scenarios that use it. */
export const SHARED_SYSTEM_SETTINGS = `the smoke run's shared system: 1 API server (the server's default SSE_MAX_CLIENTS), 1 worker (WORKER_CONCURRENCY=${SHARED_CONCURRENCY}), LOG_LEVEL=info`

/** The description of the shared system, for the smoke run's report. */
export const SHARED_SYSTEM_NOTE = `Smoke run: pickup, throughput, delivery and cancel share one system (1 API server, 1 worker with WORKER_CONCURRENCY=${SHARED_CONCURRENCY}, the server's default SSE_MAX_CLIENTS), started once. Throughput runs only the set-up of 1 worker at concurrency 10 and skips the backlog, and list fills fewer rows, as its settings show. List starts its own API server, because it needs a database with no worker on it.`

/**
 * The app under measurement: a fresh, migrated database on the shared PostgreSQL
 * (127.0.0.1:5432), the shared Redis (127.0.0.1:6379) with a Pub/Sub channel no other run
 * uses, one API server and one worker process on free loopback ports. Every part registers
 * its cleanup on the caller's stack, so the processes are killed by PID and the database is
 * dropped even when the scenario fails.
 */

import { type Backend, type Stack, startApi, startWorker } from "../../faults/support/harness"
import {
  createTestDatabase,
  dropTestDatabase,
  newTestDatabase,
} from "../../packages/adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../packages/adapters/test/support/TestRedis"
import type { RunningProcess } from "../../packages/server/test/support/Processes"
import { EventFeed } from "./events"

export interface System {
  readonly baseUrl: string
  readonly api: RunningProcess
  readonly worker: RunningProcess
  /** Every event of GET /api/events, with the time each one arrived. */
  readonly events: EventFeed
}

/**
 * Starts the system. The processes get WORKER_CONCURRENCY=100 and LOG_LEVEL=info from
 * the fault harness's process settings, and write their output to test-output/<name>-<pid>.log.
 */
export const startSystem = async (stack: Stack, name: string): Promise<System> => {
  // The migrations run here, once, so the API server and the worker never race to
  // create the migrations table.
  const database = newTestDatabase()
  // NOTE: a signal during CREATE DATABASE can run this drop before the create commits,
  // which leaves an empty jobs_test_* database behind.
  stack.defer("drop the database", () => dropTestDatabase(database))
  await createTestDatabase({ database, migrate: true })

  const backend: Backend = {
    databaseUrl: database.url,
    redisUrl: REDIS_URL,
    channel: uniqueChannel("job_events_bench"),
    redis: undefined,
    postgres: undefined,
  }
  const api = await startApi(stack, backend, `${name}-api`)
  const worker = await startWorker(stack, backend, `${name}-worker`)

  const events = await EventFeed.open(api.baseUrl)
  stack.defer("close the event stream", async () => events.close())

  return { baseUrl: api.baseUrl, api: api.process, worker, events }
}

/**
 * The job systems a user would pick instead of ours, driven from the benchmark process.
 * Each `start` runs the peer's worker as a separate process (one of the scripts beside this
 * file). It returns a way to enqueue no-op jobs and to read when each one started and ended.
 *
 * BullMQ uses the shared Redis with a key prefix of its own and deletes its keys afterwards.
 * pg-boss and graphile-worker each get a fresh database on the shared PostgreSQL, dropped
 * afterwards.
 */
import { randomUUID } from "node:crypto"
import { Queue } from "bullmq"
import { makeWorkerUtils, type WorkerUtils } from "graphile-worker"
import { Redis } from "ioredis"
import PgBoss from "pg-boss"
import type { Stack } from "../../../faults/support/harness"
import {
  createTestDatabase,
  dropTestDatabase,
  newTestDatabase,
} from "../../../packages/adapters/test/support/TestDatabase"
import { REDIS_URL } from "../../../packages/adapters/test/support/TestRedis"
import { awaitLine, onLines, startScript } from "../children"
import { KeyedTimes } from "../times"
import { ENV, parseReportLine, READY_LINE } from "./protocol"

export interface PeerRun {
  /** Puts one no-op job with this key on the queue; resolves once the library has accepted it. */
  readonly enqueue: (key: string) => Promise<void>
  /** When the line saying that the job's handler started reached this process (performance.now()). */
  readonly started: KeyedTimes
  /** When each job's handler returned. */
  readonly done: KeyedTimes
}

export interface Peer {
  readonly name: string
  /** The npm package whose version the report prints. */
  readonly packageName: string
  readonly backend: string
  /** Starts one worker process with `concurrency` and prepares the enqueueing side. */
  readonly start: (stack: Stack, concurrency: number, label: string) => Promise<PeerRun>
}

const uniqueName = (prefix: string) => `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`

/** Starts a peer's worker script and wires its stdout report lines to `started` and `done`. */
const startPeerWorker = async (
  stack: Stack,
  name: string,
  script: string,
  env: Readonly<Record<string, string>>,
): Promise<Pick<PeerRun, "started" | "done">> => {
  const started = new KeyedTimes("handler start")
  const done = new KeyedTimes("handler end")
  const running = startScript(stack, name, `bench/src/peers/${script}`, env)
  onLines(running, (line) => {
    const report = parseReportLine(line)
    if (report !== undefined) {
      // Timed on arrival here, on this process's clock, like our app's SSE events: the
      // handler's own timestamp would come from another process's performance.timeOrigin,
      // which differs from ours by up to about 1 ms.
      ;(report.kind === "start" ? started : done).record(report.key, performance.now())
    }
  })
  await awaitLine(stack, running, new RegExp(`^${READY_LINE}$`, "m"))
  return { started, done }
}

/** Creates a fresh, empty database for one peer, dropped when `stack` closes. */
const peerDatabase = async (stack: Stack): Promise<string> => {
  const database = newTestDatabase()
  stack.defer("drop the peer's database", () => dropTestDatabase(database))
  await createTestDatabase({ database, migrate: false })
  return database.url
}

/** Deletes every key under `prefix` on the shared Redis, a batch at a time. */
const deleteKeys = async (redis: Redis, prefix: string): Promise<void> => {
  let cursor = "0"
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000)
    cursor = next
    if (keys.length > 0) {
      await redis.unlink(...keys)
    }
  } while (cursor !== "0")
}

export const bullmq: Peer = {
  name: "BullMQ",
  packageName: "bullmq",
  backend: "Redis (shared, own key prefix)",
  start: async (stack, concurrency, label) => {
    const prefix = uniqueName("bench_bullmq")
    const queueName = "noop"
    const url = new URL(REDIS_URL)
    const connection = { host: url.hostname, port: Number(url.port) }
    const cleaner = new Redis(REDIS_URL)
    stack.defer("delete the BullMQ keys", async () => {
      await deleteKeys(cleaner, prefix)
      cleaner.disconnect()
    })
    const queue = new Queue(queueName, { connection, prefix })
    stack.defer("close the BullMQ queue", () => queue.close())
    const reports = await startPeerWorker(stack, `bench-${label}-bullmq`, "bullmqWorker.ts", {
      [ENV.url]: REDIS_URL,
      [ENV.queue]: queueName,
      [ENV.concurrency]: String(concurrency),
      [ENV.prefix]: prefix,
    })
    return {
      ...reports,
      enqueue: async (key) => {
        await queue.add("noop", { key }, { removeOnComplete: true, removeOnFail: 1000 })
      },
    }
  },
}

export const pgBoss: Peer = {
  name: "pg-boss",
  packageName: "pg-boss",
  backend: "PostgreSQL (fresh database), polling",
  start: async (stack, concurrency, label) => {
    const url = await peerDatabase(stack)
    const queueName = "noop"
    const reports = await startPeerWorker(stack, `bench-${label}-pgboss`, "pgBossWorker.ts", {
      [ENV.url]: url,
      [ENV.queue]: queueName,
      [ENV.concurrency]: String(concurrency),
    })
    // The worker created the schema and the queue; this side only sends, so it runs no
    // maintenance or schedules of its own.
    const boss = new PgBoss({
      connectionString: url,
      supervise: false,
      schedule: false,
      migrate: false,
    })
    boss.on("error", (error) => process.stderr.write(`pg-boss error: ${error.message}\n`))
    await boss.start()
    stack.defer("stop the pg-boss sender", () => boss.stop({ graceful: false, wait: true }))
    return {
      ...reports,
      enqueue: async (key) => {
        const id = await boss.send(queueName, { key })
        if (id === null) {
          throw new Error(`pg-boss did not accept job ${key}`)
        }
      },
    }
  },
}

export const graphile: Peer = {
  name: "graphile-worker",
  packageName: "graphile-worker",
  backend: "PostgreSQL (fresh database), LISTEN/NOTIFY",
  start: async (stack, concurrency, label) => {
    const url = await peerDatabase(stack)
    const task = "noop"
    const reports = await startPeerWorker(stack, `bench-${label}-graphile`, "graphileWorker.ts", {
      [ENV.url]: url,
      [ENV.queue]: task,
      [ENV.concurrency]: String(concurrency),
    })
    const utils: WorkerUtils = await makeWorkerUtils({ connectionString: url })
    stack.defer("release the graphile-worker utils", async () => {
      await utils.release()
    })
    return {
      ...reports,
      enqueue: async (key) => {
        await utils.addJob(task, { key })
      },
    }
  },
}

export const peers: ReadonlyArray<Peer> = [bullmq, pgBoss, graphile]

/**
 * The peers of a run: all of them, or in a smoke run BullMQ alone. It starts fastest and
 * does not poll, and one peer is enough to check that the peer path still works.
 */
export const peersFor = (smoke: boolean): ReadonlyArray<Peer> => (smoke ? [bullmq] : peers)

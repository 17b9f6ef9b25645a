/**
 * BullMQ's worker for the benchmark: one process, one Worker on the queue PEER_QUEUE, with
 * PEER_CONCURRENCY jobs at once. PEER_URL is the Redis URL; PEER_PREFIX the key prefix.
 * Run with `node --import tsx bench/src/peers/bullmqWorker.ts`.
 */
import { Worker } from "bullmq"
import {
  ENV,
  noopJob,
  type Payload,
  readConcurrency,
  readEnv,
  sayReady,
  stopOnSigterm,
} from "./protocol"

const url = new URL(readEnv(ENV.url))
const worker = new Worker<Payload>(
  readEnv(ENV.queue),
  async (job) => {
    noopJob(job.data)
  },
  {
    // BullMQ requires maxRetriesPerRequest null for the blocking connection of a worker.
    connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
    prefix: readEnv(ENV.prefix),
    concurrency: readConcurrency(),
    // The benchmark reads completions from stdout, so completed jobs need not stay in Redis.
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 1000 },
  },
)
stopOnSigterm(() => worker.close())
worker.on("error", (error) => {
  process.stderr.write(`bullmq worker error: ${error.message}\n`)
})
await worker.waitUntilReady()
sayReady()

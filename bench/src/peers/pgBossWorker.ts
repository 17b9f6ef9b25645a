/**
 * pg-boss's worker for the benchmark: one process working the queue PEER_QUEUE of the
 * database PEER_URL. pg-boss 10 runs one batch at a time per `work()` call and waits for
 * the polling interval (the default, 2 s) before each fetch, even after one that found
 * jobs. So a concurrency of N is N calls, each fetching up to BATCH_SIZE jobs per poll and
 * running them one after the other. With a batch of 1, one call would run at most one job
 * per 2 s.
 * Run with `node --import tsx bench/src/peers/pgBossWorker.ts`.
 */
import PgBoss from "pg-boss"
import {
  ENV,
  noopJob,
  type Payload,
  readConcurrency,
  readEnv,
  sayReady,
  stopOnSigterm,
} from "./protocol"

const boss = new PgBoss({ connectionString: readEnv(ENV.url), max: readConcurrency() + 2 })
boss.on("error", (error) => {
  process.stderr.write(`pg-boss error: ${error.message}\n`)
})
await boss.start()
const queue = readEnv(ENV.queue)
await boss.createQueue(queue)
const BATCH_SIZE = 100
for (let index = 0; index < readConcurrency(); index++) {
  await boss.work<Payload>(queue, { batchSize: BATCH_SIZE }, async (jobs) => {
    for (const job of jobs) {
      noopJob(job.data)
    }
  })
}
stopOnSigterm(() => boss.stop({ graceful: false, wait: true }))
sayReady()

/**
 * graphile-worker's worker for the benchmark: one process with PEER_CONCURRENCY jobs at
 * once, on the database PEER_URL, running the task named PEER_QUEUE. It learns of new
 * jobs through LISTEN/NOTIFY, with its default polling as a fallback.
 * Run with `node --import tsx bench/src/peers/graphileWorker.ts`.
 */
import { run } from "graphile-worker"
import {
  ENV,
  noopJob,
  type Payload,
  readConcurrency,
  readEnv,
  sayReady,
  stopOnSigterm,
} from "./protocol"

const runner = await run({
  connectionString: readEnv(ENV.url),
  concurrency: readConcurrency(),
  noHandleSignals: true,
  taskList: {
    [readEnv(ENV.queue)]: async (payload) => {
      noopJob(payload as Payload)
    },
  },
})
stopOnSigterm(() => runner.stop())
sayReady()

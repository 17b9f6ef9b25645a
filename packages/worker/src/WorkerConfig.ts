/**
 * Settings of the worker: those of every process plus WORKER_ID and
 * WORKER_CONCURRENCY.
 */

import { hostname } from "node:os"
import { AppConfig } from "@jobs/adapters"
import { Config, Either, Option } from "effect"

const workerIdPattern = /^[A-Za-z0-9._-]{1,64}$/

/**
 * The worker's name in logs and in the `producer` field of its events
 * (`worker-<id>`). Defaults to `<hostname>-<pid>`, which differs between workers
 * on one machine and between containers.
 */
export const workerId: Config.Config<string> = AppConfig.optionalVariable("WORKER_ID", (raw) =>
  workerIdPattern.test(raw)
    ? Either.right(raw)
    : AppConfig.invalid(
        "is not a usable worker id",
        "1 to 64 letters, digits, dots, underscores or hyphens",
      ),
).pipe(Config.map(Option.getOrElse(() => `${hostname()}-${process.pid}`)))

export const MAX_CONCURRENCY = 1000

const wholeNumberPattern = /^[0-9]+$/

/**
 * How many jobs one worker runs at once. A worker with every slot taken claims
 * nothing and leaves new jobs to other workers, or to its own next sweep.
 */
export const concurrency: Config.Config<number> = AppConfig.variable("WORKER_CONCURRENCY", {
  default: "4",
  parse: (raw) => {
    const expected = `a whole number from 1 to ${MAX_CONCURRENCY}`
    if (!wholeNumberPattern.test(raw)) {
      return AppConfig.invalid("is not a whole number", expected)
    }
    const value = Number(raw)
    return value >= 1 && value <= MAX_CONCURRENCY
      ? Either.right(value)
      : AppConfig.invalid("is out of range", expected)
  },
})

export interface WorkerConfig extends AppConfig.CommonConfig {
  readonly workerId: string
  readonly concurrency: number
}

export const WorkerConfig: Config.Config<WorkerConfig> = Config.all({
  common: AppConfig.common,
  workerId,
  concurrency,
}).pipe(Config.map(({ common, workerId, concurrency }) => ({ ...common, workerId, concurrency })))

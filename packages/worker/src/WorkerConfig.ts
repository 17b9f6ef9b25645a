/**
 * Settings of the worker: those of every process plus WORKER_ID.
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

export interface WorkerConfig extends AppConfig.CommonConfig {
  readonly workerId: string
}

export const WorkerConfig: Config.Config<WorkerConfig> = Config.all({
  common: AppConfig.common,
  workerId,
}).pipe(Config.map(({ common, workerId }) => ({ ...common, workerId })))

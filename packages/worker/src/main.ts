/**
 * Entry point of the worker: `node --import tsx packages/worker/src/main.ts`.
 * Settings come from the environment (see WorkerConfig and AppConfig).
 */
import { hostname } from "node:os"
import {
  Postgres,
  PostgresJobRepository,
  PostgresWorkerRegistry,
  RedisEventBus,
  runMain,
} from "@jobs/adapters"
import { Producer } from "@jobs/domain"
import { Effect, Layer } from "effect"
import * as JobRunner from "./JobRunner"
import { WorkerConfig } from "./WorkerConfig"

const workerLayer = (config: WorkerConfig) =>
  JobRunner.layer({ concurrency: config.concurrency, host: hostname(), pid: process.pid }).pipe(
    Layer.provide([PostgresJobRepository.layer, PostgresWorkerRegistry.layer]),
    Layer.provide([
      Postgres.layerMigrated({ url: config.databaseUrl }),
      RedisEventBus.layer({ url: config.redisUrl, channel: config.eventsChannel }),
      Producer.layer(`worker-${config.workerId}`),
    ]),
  )

runMain(WorkerConfig, (config) =>
  Layer.launch(workerLayer(config)).pipe(Effect.annotateLogs({ workerId: config.workerId })),
)

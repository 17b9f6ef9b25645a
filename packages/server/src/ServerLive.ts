/**
 * The API server wired to the real adapters: PostgreSQL (migrated at startup),
 * Redis Pub/Sub and a Node HTTP server. main.ts runs it; tests build it on a
 * throwaway database and a random port.
 */
import type { HttpServer, HttpServerError } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import {
  Postgres,
  PostgresJobRepository,
  PostgresWorkerRegistry,
  RedisEventBus,
} from "@jobs/adapters"
import { Producer, type RepositoryError } from "@jobs/domain"
import { type ConfigError, Layer, type Redacted } from "effect"
import * as ApiServer from "./ApiServer"
import * as HealthProbesLive from "./HealthProbesLive"
import { createNodeServer } from "./http/NodeServer"
import * as WorkerWatch from "./WorkerWatch"

export interface ServerLiveOptions extends ApiServer.ApiServerOptions {
  readonly databaseUrl: Redacted.Redacted<string>
  readonly redisUrl: Redacted.Redacted<string>
  readonly eventsChannel: string
  /** TCP port to listen on; 0 picks a free one. */
  readonly port: number
  /** Address to listen on (ServerConfig's HOST); every interface when absent. */
  readonly host?: string | undefined
}

/**
 * Layers are built from the last `provide` inwards: the database (migrated) and
 * Redis first, the listening socket last, so no request arrives before the
 * server can handle it. The HttpServer stays in the output, so a caller can read
 * the address it listens on.
 */
export const layer = (
  options: ServerLiveOptions,
): Layer.Layer<
  HttpServer.HttpServer,
  RepositoryError | ConfigError.ConfigError | HttpServerError.ServeError
> =>
  ApiServer.layer(options).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(createNodeServer, { port: options.port, host: options.host }),
    ),
    Layer.merge(WorkerWatch.layer),
    Layer.provide([
      HealthProbesLive.layer,
      PostgresJobRepository.layer,
      PostgresWorkerRegistry.layer,
    ]),
    Layer.provide([
      Postgres.layerMigrated({ url: options.databaseUrl }),
      RedisEventBus.layer({ url: options.redisUrl, channel: options.eventsChannel }),
      Producer.layer("api"),
    ]),
  )

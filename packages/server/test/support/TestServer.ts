/**
 * Runs an API server inside the test process on 127.0.0.1 and a random port.
 */
import { HttpServer } from "@effect/platform"
import { Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted } from "effect"
import type { TestDatabase } from "../../../adapters/test/support/TestDatabase"
import { REDIS_URL } from "../../../adapters/test/support/TestRedis"
import type * as ServerLive from "../../src/ServerLive"

export const ALLOWED_ORIGIN = "http://localhost:5173"

export interface TestServer {
  /** Such as http://127.0.0.1:41234, without a trailing slash. */
  readonly baseUrl: string
  /** Stops the server and releases every layer (connections, subscriptions). */
  readonly stop: () => Promise<void>
}

/** Options of ServerLive for a test: the test's database and channel, a random port. */
export const testServerOptions = (
  database: TestDatabase,
  channel: string,
  redisUrl = REDIS_URL,
): ServerLive.ServerLiveOptions => ({
  databaseUrl: database.redactedUrl,
  redisUrl: Redacted.make(redisUrl),
  eventsChannel: channel,
  port: 0,
  host: "127.0.0.1",
  corsOrigins: [ALLOWED_ORIGIN],
})

/**
 * Builds the layer and returns the address it listens on. Its logs below
 * warning level are dropped, so the test output shows only what went wrong.
 */
export const startTestServer = async <E>(
  layer: Layer.Layer<HttpServer.HttpServer, E>,
): Promise<TestServer> => {
  const runtime = ManagedRuntime.make(
    layer.pipe(Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))),
  )
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (address._tag !== "TcpAddress") {
    await runtime.dispose()
    throw new Error(`expected a TCP address, got ${address._tag}`)
  }
  return { baseUrl: `http://127.0.0.1:${address.port}`, stop: () => runtime.dispose() }
}

/**
 * Limits and failure bodies on real servers: the cap on open event streams, and
 * the 500 response to a defect.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { InMemoryEventBus, InMemoryJobRepository, InMemoryWorkerRegistry } from "@jobs/adapters"
import { JobRepository, Producer } from "@jobs/domain"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { uniqueChannel } from "../../adapters/test/support/TestRedis"
import * as ApiServer from "../src/ApiServer"
import { HealthProbes } from "../src/http/HealthHandlers"
import { createNodeServer } from "../src/http/NodeServer"
import * as ServerLive from "../src/ServerLive"
import { SseClient } from "./support/SseClient"
import {
  ALLOWED_ORIGIN,
  startTestServer,
  type TestServer,
  testServerOptions,
} from "./support/TestServer"

describe("event stream limit", () => {
  let database: TestDatabase
  let server: TestServer
  const clients: Array<SseClient> = []

  beforeAll(async () => {
    database = await createTestDatabase()
    server = await startTestServer(
      ServerLive.layer({ ...testServerOptions(database, uniqueChannel()), sseMaxClients: 2 }),
    )
  })

  afterAll(async () => {
    for (const client of clients) client.close()
    await server?.stop()
    if (database !== undefined) {
      await dropTestDatabase(database)
    }
  })

  const open = async () => {
    const client = await SseClient.open(`${server.baseUrl}/api/events`)
    clients.push(client)
    return client
  }

  /**
   * Opens a stream, retrying while the server still counts a stream the client
   * has just closed: the server learns of the close asynchronously.
   */
  const openOnceAccepted = async (waitMillis = 10_000) => {
    const deadline = Date.now() + waitMillis
    for (;;) {
      const client = await open()
      if (client.status === 200 || Date.now() > deadline) {
        return client
      }
      client.close()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  it("third stream is a 503 and a closed stream frees its place", async () => {
    const first = await open()
    const second = await open()
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    await first.nextFrame()
    await second.nextFrame()

    const rejected = await fetch(`${server.baseUrl}/api/events`)

    expect(rejected.status).toBe(503)
    expect(rejected.headers.get("content-type")).toContain("application/json")
    expect(await rejected.json()).toEqual({
      _tag: "ServiceUnavailable",
      message: "this server already has 2 open event streams, the maximum; try again later",
    })

    first.close()
    const third = await openOnceAccepted()

    expect(third.status).toBe(200)
    expect((await third.nextFrame()).retry).toMatch(/^\d+$/)
  })
})

describe("defect", () => {
  let server: TestServer

  // A repository bug whose message carries SQL text, as a driver error might.
  const brokenRepository = Layer.effect(
    JobRepository,
    Effect.map(JobRepository, (repository) => ({
      ...repository,
      list: () => Effect.die(new Error("syntax error in SELECT * FROM jobs ORDER BY created_at")),
    })),
  ).pipe(Layer.provide(InMemoryJobRepository.layer))

  beforeAll(async () => {
    server = await startTestServer(
      ApiServer.layer({ corsOrigins: [ALLOWED_ORIGIN] }).pipe(
        Layer.provideMerge(NodeHttpServer.layer(createNodeServer, { port: 0, host: "127.0.0.1" })),
        Layer.provide([
          brokenRepository,
          InMemoryWorkerRegistry.layer,
          InMemoryEventBus.layer,
          Producer.layer("api"),
          Layer.succeed(HealthProbes, { postgres: Effect.void, redis: Effect.void }),
        ]),
      ),
    )
  })

  afterAll(async () => {
    await server?.stop()
  })

  it("defect is a 500 without SQL text or stack trace", async () => {
    const response = await fetch(`${server.baseUrl}/api/jobs`)
    const text = await response.text()

    expect(response.status).toBe(500)
    expect(text).not.toMatch(/select|from jobs|syntax error/i)
    expect(text).not.toMatch(/\bat .+:\d+:\d+/)
  })
})

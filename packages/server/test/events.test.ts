/**
 * GET /api/events on a real server, read with a raw HTTP client. The server's
 * event subscriber is wrapped to count its open `events` streams. The route keeps
 * one open while any client is connected, so the count shows when the server side
 * of the last stream has ended.
 */
import { NodeHttpServer } from "@effect/platform-node"
import {
  InMemoryWorkerRegistry,
  Postgres,
  PostgresJobRepository,
  RedisEventBus,
} from "@jobs/adapters"
import { EventSubscriber, Producer } from "@jobs/domain"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../adapters/test/support/TestRedis"
import * as ApiServer from "../src/ApiServer"
import * as HealthProbesLive from "../src/HealthProbesLive"
import { createNodeServer } from "../src/http/NodeServer"
import { makeOpenStreams } from "./support/OpenStreams"
import { SseClient } from "./support/SseClient"
import { ALLOWED_ORIGIN, startTestServer, type TestServer } from "./support/TestServer"

let database: TestDatabase
let server: TestServer
const openStreams = makeOpenStreams()

/** The Redis subscriber, with each `events` stream counted from its start to its end. */
const countingSubscriber = (bus: Layer.Layer<EventSubscriber>) =>
  Layer.effect(
    EventSubscriber,
    Effect.map(EventSubscriber, ({ events }) => ({
      events: openStreams.counted(events),
    })),
  ).pipe(Layer.provide(bus))

beforeAll(async () => {
  database = await createTestDatabase()
  const bus = RedisEventBus.layer({ url: REDIS_URL, channel: uniqueChannel() })
  server = await startTestServer(
    ApiServer.layer({ corsOrigins: [ALLOWED_ORIGIN] }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createNodeServer, { port: 0, host: "127.0.0.1" })),
      Layer.provide([
        HealthProbesLive.layer,
        PostgresJobRepository.layer,
        InMemoryWorkerRegistry.layer,
        countingSubscriber(bus),
      ]),
      Layer.provide([
        Postgres.layerMigrated({ url: database.redactedUrl }),
        bus,
        Producer.layer("api"),
      ]),
    ),
  )
})

afterAll(async () => {
  await server?.stop()
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
})

it("event stream sends a created job's event and ends when the client leaves", async () => {
  const before = openStreams.current()
  const client = await SseClient.open(`${server.baseUrl}/api/events`)

  expect(client.status).toBe(200)
  expect(client.headers["content-type"]).toBe("text/event-stream")
  expect(client.headers["cache-control"]).toBe("no-cache")
  expect(client.headers["x-accel-buffering"]).toBe("no")
  expect(client.headers.connection).toBe("keep-alive")

  const opening = await client.nextFrame()
  expect(opening.comments.length).toBeGreaterThan(0)
  expect(opening.retry).toMatch(/^\d+$/)
  expect(opening.data).toBeUndefined()

  const response = await fetch(`${server.baseUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "watched", durationSeconds: 2 }),
  })
  const job = (await response.json()) as { readonly id: string }

  const frame = await client.nextData()
  const envelope = JSON.parse(frame.data ?? "") as Record<string, unknown>
  expect(envelope.event_type).toBe("JobCreated")
  expect(envelope.job_id).toBe(job.id)
  expect(envelope.job_version).toBe(1)
  expect(envelope.producer).toBe("api")
  expect(frame.id).toBe(envelope.event_id)
  expect(frame.event).toBeUndefined()
  await openStreams.reach(before + 1)

  client.close()

  await openStreams.reach(before)
})

it("event stream sends a named keep-alive event at once", async () => {
  const client = await SseClient.open(`${server.baseUrl}/api/events`)

  const opening = await client.nextFrame()
  const keepAlive = await client.nextFrame()
  client.close()

  expect(opening.retry).toMatch(/^\d+$/)
  expect(keepAlive.event).toBe("keep-alive")
  expect(keepAlive.id).toBeUndefined()
  const payload = JSON.parse(keepAlive.data ?? "") as { readonly serverTime: string }
  expect(Math.abs(Date.parse(payload.serverTime) - Date.now())).toBeLessThan(10_000)
})

it("event stream reaches every client after one leaves", async () => {
  // An earlier test's stream may still be ending; this one starts with none open.
  await openStreams.reach(0)
  const clients = []
  for (let index = 0; index < 20; index++) {
    clients.push(await SseClient.open(`${server.baseUrl}/api/events`))
  }
  for (const client of clients) {
    expect((await client.nextFrame()).retry).toMatch(/^\d+$/)
  }
  // Twenty clients share one subscription to the event bus.
  await openStreams.reach(1)
  const [leaving, ...staying] = clients
  leaving?.close()

  const response = await fetch(`${server.baseUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "watched by many", durationSeconds: 2 }),
  })
  const job = (await response.json()) as { readonly id: string }

  for (const client of staying) {
    const envelope = JSON.parse((await client.nextData()).data ?? "") as Record<string, unknown>
    expect(envelope.job_id).toBe(job.id)
  }
  for (const client of staying) {
    client.close()
  }
  await openStreams.reach(0)
})

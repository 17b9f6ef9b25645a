/**
 * GET /api/events when the event bus reports a gap in delivery by ending its
 * stream: the response must end, so the browser's EventSource reconnects and the
 * page reloads its list, and a new connection must receive events again. The bus
 * is the in-memory one, wrapped so that the test can end every open stream.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { InMemoryEventBus, InMemoryJobRepository, InMemoryWorkerRegistry } from "@jobs/adapters"
import { EventSubscriber, Producer } from "@jobs/domain"
import { Deferred, Effect, Layer, Ref, Stream } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import * as ApiServer from "../src/ApiServer"
import { HealthProbes } from "../src/http/HealthHandlers"
import { createNodeServer } from "../src/http/NodeServer"
import { makeOpenStreams } from "./support/OpenStreams"
import { SseClient } from "./support/SseClient"
import { ALLOWED_ORIGIN, startTestServer, type TestServer } from "./support/TestServer"

let server: TestServer
const openStreams = makeOpenStreams()
// Completing the current Deferred ends every stream open now; later streams wait for the next one.
const nextGap = Effect.runSync(Effect.flatMap(Deferred.make<void>(), Ref.make))

/** Ends every `events` stream open now, as the Redis adapter does after a lost subscription. */
const reportGap = () =>
  Effect.runPromise(
    Deferred.make<void>().pipe(
      Effect.flatMap((fresh) => Ref.getAndSet(nextGap, fresh)),
      Effect.flatMap((current) => Deferred.succeed(current, undefined)),
    ),
  )

/** The in-memory subscriber, with streams that end at the next reported gap and are counted. */
const gapSubscriber = (bus: Layer.Layer<EventSubscriber>) =>
  Layer.effect(
    EventSubscriber,
    Effect.map(EventSubscriber, ({ events }) => ({
      events: openStreams.counted(
        Stream.unwrap(
          Effect.map(Ref.get(nextGap), (gap) =>
            events.pipe(Stream.interruptWhen(Deferred.await(gap))),
          ),
        ),
      ),
    })),
  ).pipe(Layer.provide(bus))

beforeAll(async () => {
  const bus = InMemoryEventBus.layer
  server = await startTestServer(
    ApiServer.layer({ corsOrigins: [ALLOWED_ORIGIN] }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createNodeServer, { port: 0, host: "127.0.0.1" })),
      Layer.provide([
        InMemoryJobRepository.layer,
        InMemoryWorkerRegistry.layer,
        gapSubscriber(bus),
        Layer.succeed(HealthProbes, { postgres: Effect.void, redis: Effect.void }),
      ]),
      // Provided after the wrapped subscriber, so the EventPublisher comes from the same bus
      // and the route still gets the wrapped EventSubscriber.
      Layer.provide([bus, Producer.layer("api")]),
    ),
  )
})

afterAll(async () => {
  await server?.stop()
})

const createJob = async (name: string): Promise<string> => {
  const response = await fetch(`${server.baseUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, durationSeconds: 1 }),
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { readonly id: string }).id
}

it("event stream response ends at a gap and a new stream receives events", async () => {
  const first = await SseClient.open(`${server.baseUrl}/api/events`)
  expect(first.status).toBe(200)
  expect((await first.nextFrame()).retry).toMatch(/^\d+$/)
  await openStreams.reach(1)

  await reportGap()

  await expect(first.nextData()).rejects.toThrow("the event stream ended")
  await openStreams.reach(0)

  const second = await SseClient.open(`${server.baseUrl}/api/events`)
  expect(second.status).toBe(200)
  expect((await second.nextFrame()).retry).toMatch(/^\d+$/)
  await openStreams.reach(1)
  const jobId = await createJob("after the gap")

  const frame = await second.nextData()
  const envelope = JSON.parse(frame.data ?? "") as Record<string, unknown>
  expect(envelope.event_type).toBe("JobCreated")
  expect(envelope.job_id).toBe(jobId)

  second.close()
  await openStreams.reach(0)
})

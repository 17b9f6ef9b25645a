import { describe, expect, it } from "@effect/vitest"
import { EventPublisher, EventSubscriber, encodeEventJson } from "@jobs/domain"
import { ConfigProvider, Duration, Effect, Layer, type Scope } from "effect"
import { RedisEventBus, RedisHealth } from "../src/index"
import { eventBusContract } from "./contract/EventBusContract"
import { awaitReceiving, eventsOf, startConsumer } from "./support/EventConsumers"
import { oneEventOfEachType } from "./support/JobFixtures"
import { closedPort } from "./support/Network"
import { captureLogs, warningsOnly } from "./support/TestLogs"
import {
  killConnection,
  REDIS_URL,
  rawRedisClient,
  subscriberCount,
  uniqueChannel,
} from "./support/TestRedis"

const channel = uniqueChannel()
const bus = RedisEventBus.layer({ url: REDIS_URL, channel })

eventBusContract("RedisEventBus", bus)

// Guards a test against hanging; the tests do not assert on speed.
const BOUND = Duration.seconds(10)

const PASSWORD = "redis-test-secret"

describe("RedisEventBus on a live Redis", () => {
  const test = (
    title: string,
    body: Effect.Effect<
      void,
      unknown,
      EventPublisher | EventSubscriber | RedisHealth | Scope.Scope
    >,
  ) =>
    it.live(title, () =>
      body.pipe(Effect.scoped, Effect.provide(Layer.fresh(bus)), Effect.provide(warningsOnly)),
    )

  it.live("invalid messages are logged, skipped, and do not end the stream", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const { events } = yield* EventSubscriber
      const raw = yield* rawRedisClient
      const [valid] = oneEventOfEachType()
      const consumer = yield* startConsumer(events, 1)
      yield* awaitReceiving(publisher, [consumer])

      const unknownType = encodeEventJson(valid!).replace('"JobCreated"', '"JobRenamed"')
      const long = "x".repeat(500)
      yield* Effect.promise(() => raw.publish(channel, "not json"))
      yield* Effect.promise(() => raw.publish(channel, unknownType))
      yield* Effect.promise(() => raw.publish(channel, long))
      yield* publisher.publish(valid!)

      expect(yield* eventsOf(consumer)).toEqual([valid])
      const skipped = logs.lines.filter((line) => line.includes("invalid event message skipped"))
      expect(skipped).toHaveLength(3)
      expect(skipped.every((line) => line.includes("level=WARN"))).toBe(true)
      expect(skipped.every((line) => line.includes(`channel=${channel}`))).toBe(true)
      expect(skipped.some((line) => line.includes("x".repeat(200)))).toBe(true)
      expect(skipped.some((line) => line.includes("x".repeat(201)))).toBe(false)
    }).pipe(Effect.scoped, Effect.provide(Layer.fresh(bus)), Effect.provide(logs.layer))
  })

  test(
    "many consumers share one subscriber connection",
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const { events } = yield* EventSubscriber
      const raw = yield* rawRedisClient
      const consumers = yield* Effect.all([1, 2, 3].map(() => startConsumer(events, 1)))
      yield* awaitReceiving(publisher, consumers)

      expect(yield* subscriberCount(raw, channel)).toBe(1)
    }),
  )

  it.live("subscriber resubscribes after its connection is killed", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const { events } = yield* EventSubscriber
      const raw = yield* rawRedisClient
      const [event] = oneEventOfEachType()
      const before = yield* startConsumer(events, 1)
      yield* awaitReceiving(publisher, [before])

      expect(yield* killConnection(raw, `jobs-subscriber:${channel}`)).toBe(1)
      expect(yield* eventsOf(before)).toEqual([])

      const after = yield* startConsumer(events, 1)
      yield* awaitReceiving(publisher, [after])
      yield* publisher.publish(event!)

      expect(yield* eventsOf(after)).toEqual([event])
      expect(yield* subscriberCount(raw, channel)).toBe(1)
      expect(
        logs.lines.filter((line) => line.includes('message="redis reconnected"')),
      ).toHaveLength(1)
      expect(
        logs.lines.filter((line) => line.includes("events may have been missed")),
      ).toHaveLength(1)
    }).pipe(Effect.scoped, Effect.provide(Layer.fresh(bus)), Effect.provide(logs.layer))
  })

  test(
    "ping succeeds",
    Effect.gen(function* () {
      const health = yield* RedisHealth
      yield* health.ping
    }),
  )
})

describe("RedisEventBus.layerConfig", () => {
  it.live("reads REDIS_URL and EVENTS_CHANNEL", () => {
    const configuredChannel = uniqueChannel()
    const fromEnvironment = RedisEventBus.layerConfig.pipe(
      Layer.provide(
        Layer.setConfigProvider(
          ConfigProvider.fromMap(
            new Map([
              ["REDIS_URL", REDIS_URL],
              ["EVENTS_CHANNEL", configuredChannel],
            ]),
          ),
        ),
      ),
    )
    return Effect.gen(function* () {
      const raw = yield* rawRedisClient
      expect(yield* subscriberCount(raw, configuredChannel)).toBe(1)
    }).pipe(Effect.scoped, Effect.provide(fromEnvironment), Effect.provide(warningsOnly))
  })
})

describe("RedisEventBus with Redis down", () => {
  it.live("layer builds, publish and ping fail with EventPublishError", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const port = yield* Effect.promise(closedPort)
      const down = RedisEventBus.layer({ url: `redis://:${PASSWORD}@127.0.0.1:${port}`, channel })

      const { publishError, pingError } = yield* Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const health = yield* RedisHealth
        const [event] = oneEventOfEachType()
        return {
          publishError: yield* Effect.flip(publisher.publish(event!)),
          pingError: yield* Effect.flip(health.ping),
        }
      }).pipe(Effect.provide(down), Effect.timeout(BOUND))

      expect(publishError._tag).toBe("EventPublishError")
      expect(publishError.message).toContain("redis unavailable")
      expect(pingError._tag).toBe("EventPublishError")
      expect(pingError.message).toContain("redis unavailable")
      expect(logs.lines.some((line) => line.includes("ECONNREFUSED"))).toBe(true)
      expect(logs.lines.filter((line) => line.includes(PASSWORD))).toEqual([])
    }).pipe(Effect.provide(logs.layer))
  })
})

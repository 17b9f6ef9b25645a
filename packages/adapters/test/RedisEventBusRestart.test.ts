/**
 * RedisEventBus across a restart of its Redis server. Messages published while the
 * channel has no subscription are lost, so every `events` stream open during the outage
 * must end, and streams started after the new subscription must receive events again.
 * The test runs a redis-server of its own, because it stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { EventPublisher, EventSubscriber } from "@jobs/domain"
import { Effect, Fiber, Option } from "effect"
import { RedisEventBus } from "../src/index"
import { awaitReceiving, eventsOf, startConsumer } from "./support/EventConsumers"
import { oneEventOfEachType } from "./support/JobFixtures"
import { RedisServerProcess } from "./support/RedisServerProcess"
import { warningsOnly } from "./support/TestLogs"
import { uniqueChannel } from "./support/TestRedis"

let redis: RedisServerProcess

beforeAll(async () => {
  redis = await RedisServerProcess.start()
})

afterAll(async () => {
  await redis?.stop()
})

describe("RedisEventBus across a Redis restart", () => {
  it.live("open stream ends and a new stream receives events", () =>
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const { events } = yield* EventSubscriber
      const [event] = oneEventOfEachType()
      const before = yield* startConsumer(events, 1)
      yield* awaitReceiving(publisher, [before])

      yield* Effect.promise(() => redis.stop())
      yield* Effect.promise(() => redis.startAgain())

      expect(yield* eventsOf(before)).toEqual([])

      const after = yield* startConsumer(events, 1)
      yield* awaitReceiving(publisher, [after])
      yield* publisher.publish(event!)

      expect(yield* eventsOf(after)).toEqual([event])
    }).pipe(
      Effect.scoped,
      Effect.provide(RedisEventBus.layer({ url: redis.url, channel: uniqueChannel() })),
      Effect.provide(warningsOnly),
    ),
  )

  it.live("stream started while Redis is down stays open until Redis is back", () =>
    Effect.gen(function* () {
      const publisher = yield* EventPublisher
      const { events } = yield* EventSubscriber
      const [event] = oneEventOfEachType()

      yield* Effect.promise(() => redis.stop())
      const duringOutage = yield* startConsumer(events, 1)
      const publishError = yield* Effect.flip(publisher.publish(event!))

      expect(publishError._tag).toBe("EventPublishError")
      expect(Option.isNone(yield* Fiber.poll(duringOutage.collected))).toBe(true)

      yield* Effect.promise(() => redis.startAgain())

      expect(yield* eventsOf(duringOutage)).toEqual([])

      const after = yield* startConsumer(events, 1)
      yield* awaitReceiving(publisher, [after])
      yield* publisher.publish(event!)

      expect(yield* eventsOf(after)).toEqual([event])
    }).pipe(
      Effect.scoped,
      Effect.provide(RedisEventBus.layer({ url: redis.url, channel: uniqueChannel() })),
      Effect.provide(warningsOnly),
    ),
  )
})

/**
 * The behaviour every event bus adapter (EventPublisher + EventSubscriber) must show.
 * Each test builds the layer anew.
 */

import { randomUUID } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { EventPublisher, EventSubscriber, Worker } from "@jobs/domain"
import { Effect, Layer, type Scope } from "effect"
import { awaitReceiving, eventsOf, startConsumer } from "../support/EventConsumers"
import { oneEventOfEachType } from "../support/JobFixtures"
import { warningsOnly } from "../support/TestLogs"

export const eventBusContract = (
  name: string,
  layer: Layer.Layer<EventPublisher | EventSubscriber, unknown>,
): void => {
  describe(name, () => {
    const test = (
      title: string,
      body: Effect.Effect<void, unknown, EventPublisher | EventSubscriber | Scope.Scope>,
    ) =>
      it.live(title, () =>
        body.pipe(Effect.scoped, Effect.provide(Layer.fresh(layer)), Effect.provide(warningsOnly)),
      )

    test(
      "an event of each type arrives decoded and equal",
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const { events } = yield* EventSubscriber
        const sent = oneEventOfEachType()
        const consumer = yield* startConsumer(events, sent.length)
        yield* awaitReceiving(publisher, [consumer])

        yield* Effect.forEach(sent, publisher.publish, { discard: true })

        expect(yield* eventsOf(consumer)).toEqual(sent)
      }),
    )

    test(
      "a WorkerStarted event arrives decoded and equal",
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const { events } = yield* EventSubscriber
        const { event } = Worker.start(
          { host: "box-1", pid: 4242, concurrency: 3 },
          { eventId: randomUUID(), occurredAt: new Date(), producer: "worker-bus-test" },
        )
        const consumer = yield* startConsumer(events, 1)
        yield* awaitReceiving(publisher, [consumer])

        yield* publisher.publish(event)

        expect(yield* eventsOf(consumer)).toEqual([event])
      }),
    )

    test(
      "every consumer receives every event",
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const { events } = yield* EventSubscriber
        const sent = oneEventOfEachType().slice(0, 2)
        const first = yield* startConsumer(events, sent.length)
        const second = yield* startConsumer(events, sent.length)
        yield* awaitReceiving(publisher, [first, second])

        yield* Effect.forEach(sent, publisher.publish, { discard: true })

        expect(yield* eventsOf(first)).toEqual(sent)
        expect(yield* eventsOf(second)).toEqual(sent)
      }),
    )

    test(
      "ending one consumer's stream leaves the others receiving",
      Effect.gen(function* () {
        const publisher = yield* EventPublisher
        const { events } = yield* EventSubscriber
        const [firstEvent, secondEvent] = oneEventOfEachType()
        const shortLived = yield* startConsumer(events, 1)
        const longLived = yield* startConsumer(events, 2)
        yield* awaitReceiving(publisher, [shortLived, longLived])

        yield* publisher.publish(firstEvent!)
        expect(yield* eventsOf(shortLived)).toEqual([firstEvent])
        yield* publisher.publish(secondEvent!)

        expect(yield* eventsOf(longLived)).toEqual([firstEvent, secondEvent])
      }),
    )
  })
}

/**
 * EventPublisher and EventSubscriber on an in-process PubSub, for fast tests.
 * Each event goes through the JSON envelope and back, as it would over Redis, so
 * an event that cannot cross a process boundary fails here too.
 */
import {
  type DomainEvent,
  decodeEventJson,
  EventPublishError,
  EventPublisher,
  EventSubscriber,
  encodeEventJson,
} from "@jobs/domain"
import { Context, Effect, Either, Layer, PubSub, Stream } from "effect"

const make = Effect.gen(function* () {
  const pubsub = yield* Effect.acquireRelease(PubSub.unbounded<string>(), PubSub.shutdown)

  const publish = (event: DomainEvent) =>
    Effect.try({
      try: () => encodeEventJson(event),
      catch: (cause) =>
        new EventPublishError({ message: `event could not be encoded: ${String(cause)}` }),
    }).pipe(
      Effect.flatMap((json) => PubSub.publish(pubsub, json)),
      Effect.asVoid,
    )

  const events: Stream.Stream<DomainEvent> = Stream.fromPubSub(pubsub).pipe(
    Stream.filterMap((json) => Either.getRight(decodeEventJson(json))),
  )

  return Context.make(EventPublisher, { publish }).pipe(Context.add(EventSubscriber, { events }))
})

/** One bus providing both ports; a publish reaches every stream open at that moment. */
export const layer: Layer.Layer<EventPublisher | EventSubscriber> = Layer.scopedContext(make)

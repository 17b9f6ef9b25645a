/**
 * Consumers of an `events` stream for tests, and a way to know they are receiving.
 *
 * A stream only gets events published after it has subscribed, and nothing outside shows
 * when that happened. So a test starts its consumers, then publishes probe events until
 * every consumer has received one. Only then does it publish the events under test.
 * Probes are JobCreated events of one fixed job id, and consumers leave them out.
 */
import { type DomainEvent, type EventPublisherShape, isJobEvent } from "@jobs/domain"
import { Chunk, Deferred, Duration, Effect, Fiber, Schedule, type Scope, Stream } from "effect"
import { created, newJobId } from "./JobFixtures"

/** How long a test waits for consumers to start receiving or to collect their events. */
export const RECEIVE_TIMEOUT = Duration.seconds(10)

const PROBE_INTERVAL = Duration.millis(25)

const probeJobId = newJobId()

const isProbe = (event: DomainEvent): boolean => isJobEvent(event) && event.jobId === probeJobId

export interface Consumer {
  /** Completed when the consumer receives its first probe. */
  readonly receiving: Deferred.Deferred<void>
  /** Collects the first `count` events that are not probes, then ends the stream. */
  readonly collected: Fiber.Fiber<ReadonlyArray<DomainEvent>>
}

/** Starts a consumer that collects `count` events, in a fiber of the current scope. */
export const startConsumer = (
  events: Stream.Stream<DomainEvent>,
  count: number,
): Effect.Effect<Consumer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const receiving = yield* Deferred.make<void>()
    const collected = yield* events.pipe(
      Stream.tap((event) =>
        isProbe(event) ? Deferred.succeed(receiving, undefined) : Effect.void,
      ),
      Stream.filter((event) => !isProbe(event)),
      Stream.take(count),
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      Effect.forkScoped,
    )
    return { receiving, collected }
  })

/**
 * Publishes probe events until every consumer has received one. Fails when RECEIVE_TIMEOUT
 * passes first.
 */
export const awaitReceiving = (
  publisher: EventPublisherShape,
  consumers: ReadonlyArray<Consumer>,
): Effect.Effect<void, unknown> => {
  const allReceiving = Effect.forEach(consumers, (consumer) => Deferred.await(consumer.receiving), {
    discard: true,
  })
  // A probe that fails, because the publisher is still reconnecting, say, is sent again at
  // the next interval: only a probe that arrives ends the wait.
  const probing = Effect.suspend(() => publisher.publish(created({ id: probeJobId }).event)).pipe(
    Effect.ignore,
    Effect.repeat(Schedule.spaced(PROBE_INTERVAL)),
    Effect.zipRight(Effect.never),
  )
  return Effect.raceFirst(allReceiving, probing).pipe(
    Effect.timeoutFail({
      duration: RECEIVE_TIMEOUT,
      onTimeout: () => new Error("consumers received no probe event in time"),
    }),
  )
}

/** Waits for the consumer's events, failing when RECEIVE_TIMEOUT passes first. */
export const eventsOf = (consumer: Consumer): Effect.Effect<ReadonlyArray<DomainEvent>, unknown> =>
  Fiber.join(consumer.collected).pipe(
    Effect.timeoutFail({
      duration: RECEIVE_TIMEOUT,
      onTimeout: () => new Error("consumer did not receive the expected events in time"),
    }),
  )

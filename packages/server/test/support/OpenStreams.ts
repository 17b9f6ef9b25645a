/**
 * A counter of the server's open `events` streams, so that a test can tell when the
 * server side of an SSE response has started or ended.
 */
import { Effect, Stream, SubscriptionRef } from "effect"

export interface OpenStreams {
  /** Wraps an `events` stream so that it is counted from its start to its end. */
  readonly counted: <A>(events: Stream.Stream<A>) => Stream.Stream<A>
  /** Returns the number of streams open now. */
  readonly current: () => number
  /** Resolves once the number of open streams equals `expected`, or fails after 10 s. */
  readonly reach: (expected: number) => Promise<void>
}

export const makeOpenStreams = (): OpenStreams => {
  const open = Effect.runSync(SubscriptionRef.make(0))
  return {
    counted: (events) =>
      events.pipe(
        Stream.onStart(SubscriptionRef.update(open, (count) => count + 1)),
        Stream.ensuring(SubscriptionRef.update(open, (count) => count - 1)),
      ),
    current: () => Effect.runSync(SubscriptionRef.get(open)),
    reach: (expected) =>
      Effect.runPromise(
        open.changes.pipe(
          Stream.takeUntil((count) => count === expected),
          Stream.runDrain,
          Effect.timeout("10 seconds"),
        ),
      ),
  }
}

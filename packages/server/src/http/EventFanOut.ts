/**
 * The fan-out behind GET /api/events: one subscription to the event bus per process,
 * shared by every open response, and one keep-alive timer for all of them.
 *
 * Each response body is a Node `Readable` that the HTTP server pipes to the socket. An
 * event is encoded once, then pushed to every body in one synchronous loop, so the last
 * client receives it in the same event-loop turn as the first. An Effect Stream per client
 * would instead run several fiber steps per client for each event, and keep the memory of
 * those fibers for every open connection.
 *
 * The subscription starts with the first client and stops when the last one leaves. When
 * the event bus ends it (delivery may have had a gap), every body attached to it ends, and
 * the next client starts a new subscription.
 */
import { Readable } from "node:stream"
import { type DomainEvent, encodeEventJson } from "@jobs/domain"
import { Chunk, Clock, Deferred, Duration, Effect, type Scope, Stream } from "effect"

export const KEEP_ALIVE_INTERVAL = Duration.seconds(15)

/** How long EventSource waits before reconnecting after the stream ends, in milliseconds. */
export const RECONNECT_DELAY_MILLIS = 3000

/** The SSE event name of the keep-alive; domain events are unnamed (`message`). */
export const KEEP_ALIVE_EVENT = "keep-alive"

/**
 * Bytes a client may leave unread beyond what Node's response and socket buffers hold,
 * several hundred events of a few hundred bytes each. A client further behind is ended
 * instead of receiving the next event, so a stuck client costs bounded memory, and its
 * browser reconnects and reloads.
 */
export const MAX_UNSENT_BYTES = 256 * 1024

const OPENING = Buffer.from(`: connected\nretry: ${RECONNECT_DELAY_MILLIS}\n\n`)

const formatKeepAlive = (nowMillis: number): Buffer =>
  Buffer.from(
    `event: ${KEEP_ALIVE_EVENT}\ndata: ${JSON.stringify({ serverTime: new Date(nowMillis).toISOString() })}\n\n`,
  )

const formatEvent = (event: DomainEvent): Buffer =>
  Buffer.from(`id: ${event.eventId}\ndata: ${encodeEventJson(event)}\n\n`)

/**
 * Encodes events that arrived together (a job's JobStarted and JobCompleted, say) into one
 * buffer, so each client's socket takes one write for all of them.
 */
const formatEvents = (events: Chunk.Chunk<DomainEvent>): Buffer =>
  Buffer.concat(Chunk.toReadonlyArray(Chunk.map(events, formatEvent)))

/** The clients of one run of the event bus's stream, and the signal that stops the run. */
interface Subscription {
  readonly bodies: Set<Readable>
  readonly stopped: Deferred.Deferred<void>
}

/** A response body that the HTTP server pipes to the client, and takes data only when pushed. */
const makeBody = (): Readable =>
  new Readable({
    read() {
      // Data arrives through push() from the fan-out, never on request.
    },
  })

/**
 * Pushes `bytes` to every body of `subscription`, and ends each body whose client has
 * more than MAX_UNSENT_BYTES unread. Returns how many bodies it ended.
 */
const broadcast = (subscription: Subscription, bytes: Buffer): number => {
  let ended = 0
  for (const body of subscription.bodies) {
    if (body.readableLength > MAX_UNSENT_BYTES) {
      subscription.bodies.delete(body)
      body.push(null)
      ended++
    } else {
      body.push(bytes)
    }
  }
  return ended
}

const logSlowClients = (ended: number) =>
  ended === 0
    ? Effect.void
    : Effect.logWarning("slow event stream clients ended, their unsent data was too large").pipe(
        Effect.annotateLogs({ clients: ended, maxUnsentBytes: MAX_UNSENT_BYTES }),
      )

/** Ends every body of `subscription` and removes them, so later pushes reach none. */
const endAll = (subscription: Subscription): void => {
  for (const body of subscription.bodies) {
    body.push(null)
  }
  subscription.bodies.clear()
}

export interface EventFanOut {
  /**
   * Opens a client's response body, holding the opening comment, the `retry:` line and
   * a first keep-alive. Its events follow as they arrive. The body ends when the event
   * bus ends the subscription, when the client falls too far behind, or at `close`. The
   * client leaves the fan-out when the scope closes.
   *
   * NOTE: the first client's subscription to the event bus starts in a fiber of its own,
   * so an event published in the instant after the first client opens may not reach it.
   * A client that must not miss a change reads the current state after the stream opens,
   * as the web app does when it reloads the job list.
   */
  readonly open: Effect.Effect<Readable, never, Scope.Scope>
  /** Ends every open body, and makes `open` return bodies that end after the opening. */
  readonly close: Effect.Effect<void>
  /** Returns the number of clients attached now. */
  readonly clients: Effect.Effect<number>
}

/**
 * Builds the fan-out for `events`. Its keep-alive fiber and subscriptions live in the
 * given scope, and closing the scope ends every open body.
 */
export const make = (
  events: Stream.Stream<DomainEvent>,
): Effect.Effect<EventFanOut, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    let current: Subscription | undefined
    let closed = false

    const finish = (subscription: Subscription) =>
      Effect.sync(() => {
        if (current === subscription) {
          current = undefined
        }
        endAll(subscription)
      })

    const deliver = (subscription: Subscription) => (events: Chunk.Chunk<DomainEvent>) =>
      Effect.suspend(() =>
        Chunk.isEmpty(events)
          ? Effect.void
          : logSlowClients(broadcast(subscription, formatEvents(events))),
      )

    // The stop signal exists before the fiber starts, so a `leave` or `close` that comes
    // first still stops the run.
    const subscribe = Effect.gen(function* () {
      const subscription: Subscription = {
        bodies: new Set(),
        stopped: yield* Deferred.make<void>(),
      }
      current = subscription
      // The request fiber that starts the subscription is uninterruptible, and a forked
      // fiber inherits that, so the run is made interruptible.
      yield* events.pipe(
        Stream.interruptWhen(Deferred.await(subscription.stopped)),
        Stream.runForEachChunk(deliver(subscription)),
        Effect.ensuring(finish(subscription)),
        Effect.interruptible,
        Effect.forkIn(scope),
      )
      return subscription
    })

    // Completes the stop signal and returns at once, so a client's release or the shutdown
    // does not wait for the bus's stream to end.
    const stop = (subscription: Subscription) => Deferred.succeed(subscription.stopped, undefined)

    const leave = (body: Readable, subscription: Subscription) =>
      Effect.suspend(() => {
        subscription.bodies.delete(body)
        if (subscription.bodies.size > 0 || current !== subscription) {
          return Effect.void
        }
        current = undefined
        return stop(subscription)
      })

    const join = Effect.gen(function* () {
      const body = makeBody()
      body.push(OPENING)
      body.push(formatKeepAlive(yield* Clock.currentTimeMillis))
      if (closed) {
        body.push(null)
        return { body, subscription: undefined }
      }
      const subscription = current ?? (yield* subscribe)
      subscription.bodies.add(body)
      return { body, subscription }
    })

    const open = Effect.acquireRelease(join, ({ body, subscription }) =>
      subscription === undefined ? Effect.void : leave(body, subscription),
    ).pipe(Effect.map(({ body }) => body))

    const close = Effect.suspend(() => {
      closed = true
      const subscription = current
      if (subscription === undefined) {
        return Effect.void
      }
      current = undefined
      endAll(subscription)
      return stop(subscription)
    })

    const keepAlive = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.suspend(() =>
        current === undefined
          ? Effect.void
          : logSlowClients(broadcast(current, formatKeepAlive(now))),
      ),
    )
    yield* Effect.sleep(KEEP_ALIVE_INTERVAL).pipe(
      Effect.zipRight(keepAlive),
      Effect.forever,
      Effect.forkIn(scope),
    )
    yield* Effect.addFinalizer(() => close)

    return {
      open,
      close,
      clients: Effect.sync(() => current?.bodies.size ?? 0),
    }
  })

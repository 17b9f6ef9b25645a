/**
 * GET /api/events: every job event as a server-sent event, for the browser's
 * EventSource.
 *
 * The stream starts with a comment and a `retry:` line, then sends each event as
 * an `id:` line (the event id) and one `data:` line (the same JSON envelope as on
 * Redis). Domain events have no `event:` line, so `EventSource.onmessage`
 * receives every one of them.
 *
 * A keep-alive goes out at once and then every 15 seconds, as a named event
 * (`event: keep-alive`, data `{"serverTime": ISO 8601}`). It keeps proxies from
 * closing an idle connection, and because it is an event rather than a comment,
 * a browser can listen for it with `addEventListener("keep-alive")` and show that
 * the stream is alive. Named events never reach `onmessage`, so a client that
 * reads only domain events does not see it.
 *
 * The response ends when the event bus ends the subscriber's stream, because
 * events may have been missed (Redis restarted, say). The browser's EventSource
 * then reconnects after the `retry:` delay, and the web app reloads the job list
 * on every open, so it shows the database's state again.
 *
 * Each process keeps at most `maxClients` streams open. Beyond that the route
 * responds 503 with a JSON message, so a flood of clients cannot exhaust the
 * process's memory or file descriptors.
 */
import { HttpApiBuilder, HttpServer, HttpServerResponse } from "@effect/platform"
import { type DomainEvent, EventSubscriber, encodeEventJson } from "@jobs/domain"
import { Clock, Deferred, Duration, Effect, Schedule, Stream } from "effect"

/** Used when the server is not configured otherwise (SSE_MAX_CLIENTS). */
export const DEFAULT_MAX_CLIENTS = 10_000

export const EVENTS_PATH = "/api/events"

const KEEP_ALIVE_INTERVAL = Duration.seconds(15)

/** How long EventSource waits before reconnecting after the stream ends, in milliseconds. */
const RECONNECT_DELAY_MILLIS = 3000

const encoder = new TextEncoder()

const OPENING = encoder.encode(`: connected\nretry: ${RECONNECT_DELAY_MILLIS}\n\n`)

/** The SSE event name of the keep-alive; domain events are unnamed (`message`). */
export const KEEP_ALIVE_EVENT = "keep-alive"

const formatKeepAlive = (nowMillis: number): Uint8Array =>
  encoder.encode(
    `event: ${KEEP_ALIVE_EVENT}\ndata: ${JSON.stringify({ serverTime: new Date(nowMillis).toISOString() })}\n\n`,
  )

// The event bus hands the same decoded event object to every client's stream, so
// each event is turned into JSON and bytes once per process rather than once per
// client. Entries go away with the event objects.
const formattedEvents = new WeakMap<DomainEvent, Uint8Array>()

const formatEvent = (event: DomainEvent): Uint8Array => {
  const cached = formattedEvents.get(event)
  if (cached !== undefined) {
    return cached
  }
  const bytes = encoder.encode(`id: ${event.eventId}\ndata: ${encodeEventJson(event)}\n\n`)
  formattedEvents.set(event, bytes)
  return bytes
}

/**
 * Builds one client's stream. It ends when the client disconnects (the server
 * interrupts it), when `closing` completes, or when `events` ends.
 *
 * NOTE: the opening comment is sent before the subscription to the event bus is
 * in place, so an event published in that instant is not delivered. A client
 * that must not miss a change reads the current state after the stream opens,
 * as the web app does when it reloads the job list.
 */
const clientStream = (
  events: Stream.Stream<DomainEvent>,
  closing: Deferred.Deferred<void>,
): Stream.Stream<Uint8Array> => {
  // The first keep-alive goes out at once, so a client learns at open that they arrive.
  const keepAlive = Stream.repeatEffectWithSchedule(
    Effect.map(Clock.currentTimeMillis, formatKeepAlive),
    Schedule.spaced(KEEP_ALIVE_INTERVAL),
  )
  return Stream.make(OPENING).pipe(
    Stream.concat(
      Stream.merge(Stream.map(events, formatEvent), keepAlive, { haltStrategy: "left" }),
    ),
    Stream.interruptWhen(Deferred.await(closing)),
    Stream.onStart(Effect.logDebug("event stream client connected")),
    Stream.ensuring(Effect.logDebug("event stream client disconnected")),
  )
}

const HEADERS = {
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
  connection: "keep-alive",
}

const tooManyClients = (maxClients: number) =>
  HttpServerResponse.unsafeJson(
    {
      _tag: "ServiceUnavailable",
      message: `this server already has ${maxClients} open event streams, the maximum; try again later`,
    },
    { status: 503, headers: { "retry-after": String(RECONNECT_DELAY_MILLIS / 1000) } },
  )

/**
 * Mounts the route. The layer requires the HttpServer only to be built after it:
 * layers are released in reverse order, so its finalizer ends every open stream
 * before the server waits for its connections to close. Without that, one
 * connected browser would keep the process from stopping.
 */
export const layer = (maxClients: number = DEFAULT_MAX_CLIENTS) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      yield* HttpServer.HttpServer
      const { events } = yield* EventSubscriber

      const closing = yield* Deferred.make<void>()
      yield* Effect.addFinalizer(() => Deferred.succeed(closing, undefined))

      // Checked and incremented in one synchronous step, so two concurrent
      // requests cannot both take the last place.
      let openStreams = 0
      // Rejections are logged once each time the limit is reached, not once per request.
      let rejectionLogged = false
      const reserve = Effect.sync(() => {
        if (openStreams >= maxClients) {
          return false
        }
        openStreams++
        return true
      })
      const release = (reserved: boolean) =>
        Effect.sync(() => {
          if (reserved) {
            openStreams--
            rejectionLogged = false
          }
        })
      const logRejection = Effect.suspend(() => {
        if (rejectionLogged) {
          return Effect.void
        }
        rejectionLogged = true
        return Effect.logWarning("event stream clients at maximum, rejecting new streams").pipe(
          Effect.annotateLogs({ maxClients }),
        )
      })

      // The place is released when the request's scope closes: after the
      // response body has ended, or when the client disconnects, even if the
      // stream never started.
      const handle = Effect.gen(function* () {
        const reserved = yield* Effect.acquireRelease(reserve, release)
        if (!reserved) {
          yield* logRejection
          return tooManyClients(maxClients)
        }
        return HttpServerResponse.stream(clientStream(events, closing), {
          contentType: "text/event-stream",
          headers: HEADERS,
        })
      })

      yield* router.get(EVENTS_PATH, handle)
    }),
  )

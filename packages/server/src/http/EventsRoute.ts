/**
 * GET /api/events: every job event as a server-sent event, for the browser's
 * EventSource.
 *
 * The stream starts with a comment and a `retry:` line, then sends each event as
 * an `id:` line (the event id) and one `data:` line (the same JSON envelope as on
 * Redis). There are no `event:` lines, so `EventSource.onmessage` receives every
 * event. A comment every 15 seconds keeps proxies from closing an idle
 * connection.
 */
import { HttpApiBuilder, HttpServer, HttpServerResponse } from "@effect/platform"
import { EventSubscriber, encodeEventJson, type JobEvent } from "@jobs/domain"
import { Deferred, Duration, Effect, Stream } from "effect"

export const EVENTS_PATH = "/api/events"

const KEEP_ALIVE_INTERVAL = Duration.seconds(15)

/** How long EventSource waits before reconnecting after the stream ends, in milliseconds. */
const RECONNECT_DELAY_MILLIS = 3000

const OPENING = `: connected\nretry: ${RECONNECT_DELAY_MILLIS}\n\n`
const KEEP_ALIVE = ": keep-alive\n\n"

const formatEvent = (event: JobEvent): string =>
  `id: ${event.eventId}\ndata: ${encodeEventJson(event)}\n\n`

/**
 * Builds one client's stream. It ends when the client disconnects (the server
 * interrupts it) or when `closing` completes.
 *
 * NOTE: the opening comment is sent before the subscription to the event bus is
 * in place, so an event published in that instant is not delivered. A client
 * that must not miss a change reads the current state after the stream opens,
 * as the web app does when it reloads the job list.
 */
const clientStream = (
  events: Stream.Stream<JobEvent>,
  closing: Deferred.Deferred<void>,
): Stream.Stream<Uint8Array> => {
  const keepAlive = Stream.tick(KEEP_ALIVE_INTERVAL).pipe(Stream.drop(1), Stream.as(KEEP_ALIVE))
  return Stream.make(OPENING).pipe(
    Stream.concat(Stream.merge(Stream.map(events, formatEvent), keepAlive)),
    Stream.interruptWhen(Deferred.await(closing)),
    Stream.onStart(Effect.logDebug("event stream client connected")),
    Stream.ensuring(Effect.logDebug("event stream client disconnected")),
    Stream.encodeText,
  )
}

const HEADERS = {
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
  connection: "keep-alive",
}

/**
 * Mounts the route. The layer requires the HttpServer only to be built after it:
 * layers are released in reverse order, so its finalizer ends every open stream
 * before the server waits for its connections to close. Without that, one
 * connected browser would keep the process from stopping.
 */
export const layer = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function* () {
    yield* HttpServer.HttpServer
    const { events } = yield* EventSubscriber

    const closing = yield* Deferred.make<void>()
    yield* Effect.addFinalizer(() => Deferred.succeed(closing, undefined))

    yield* router.get(
      EVENTS_PATH,
      Effect.sync(() =>
        HttpServerResponse.stream(clientStream(events, closing), {
          contentType: "text/event-stream",
          headers: HEADERS,
        }),
      ),
    )
  }),
)

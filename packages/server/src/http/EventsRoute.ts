/**
 * GET /api/events: every job event as a server-sent event, for the browser's
 * EventSource.
 *
 * The stream starts with a comment and a `retry:` line, then sends each event as
 * an `id:` line (the event id) and one `data:` line (the same JSON envelope as on
 * Redis). Domain events have no `event:` line, so `EventSource.onmessage`
 * receives every one of them.
 *
 * A keep-alive goes out at once and then every 15 seconds (one timer for all
 * clients, so a client's second keep-alive comes within 15 s), as a named event
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
 * The response also ends when its client has left more than
 * EventFanOut.MAX_UNSENT_BYTES unread, so one stuck client neither delays the
 * others nor keeps unbounded memory. EventFanOut.ts describes how one event
 * reaches every open response.
 *
 * Each process keeps at most `maxClients` streams open. Beyond that the route
 * responds 503 with a JSON message, so a flood of clients cannot exhaust the
 * process's memory or file descriptors.
 */
import { HttpApiBuilder, HttpServer, HttpServerResponse } from "@effect/platform"
import { EventSubscriber } from "@jobs/domain"
import { Effect } from "effect"
import * as EventFanOut from "./EventFanOut"

/** Used when the server is not configured otherwise (SSE_MAX_CLIENTS). */
export const DEFAULT_MAX_CLIENTS = 10_000

export const EVENTS_PATH = "/api/events"

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
    {
      status: 503,
      headers: { "retry-after": String(EventFanOut.RECONNECT_DELAY_MILLIS / 1000) },
    },
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

      const fanOut = yield* EventFanOut.make(events)

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
        const body = yield* fanOut.open
        yield* Effect.logDebug("event stream client connected")
        yield* Effect.addFinalizer(() => Effect.logDebug("event stream client disconnected"))
        return HttpServerResponse.raw(body, { contentType: "text/event-stream", headers: HEADERS })
      })

      yield* router.get(EVENTS_PATH, handle)
    }),
  )

/**
 * Logs each HTTP request once its response has been sent: at debug level
 * normally, at error level with the cause when the handler failed with an
 * unexpected error (a defect, sent as a 500). Expected errors such as 404 or 409 are
 * responses, not failures, by the time they reach this middleware.
 */
import { type HttpApp, HttpMiddleware, HttpServerError, HttpServerRequest } from "@effect/platform"
import { Cause, Effect, Exit } from "effect"

export const logRequests = HttpMiddleware.make(
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.onExit(app, (exit) => {
        const log =
          Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
            ? Effect.logError("http request failed", exit.cause)
            : Effect.logDebug("http request")
        return log.pipe(
          Effect.annotateLogs({
            "http.method": request.method,
            "http.url": request.url,
            "http.status": HttpServerError.exitResponse(exit).status,
          }),
        )
      }),
    ),
)

/**
 * The HTTP application: the JobsApi contract, GET /api/events, /openapi.json,
 * Swagger UI at /docs, CORS, request body limits, JSON error bodies and request
 * logging. It needs the ports, the health probes and an HttpServer; main.ts
 * provides the real ones, tests may provide others.
 */
import { HttpApiBuilder, HttpApiSwagger, HttpMiddleware, HttpServer } from "@effect/platform"
import { JobsApi } from "@jobs/domain"
import { Layer } from "effect"
import * as ErrorResponses from "./http/ErrorResponses"
import * as EventsRoute from "./http/EventsRoute"
import * as HealthHandlers from "./http/HealthHandlers"
import * as JobsHandlers from "./http/JobsHandlers"
import { logRequests } from "./http/RequestLog"
import * as WorkersHandlers from "./http/WorkersHandlers"

export interface ApiServerOptions {
  /** Origins allowed to call the API from a browser (CORS). */
  readonly corsOrigins: ReadonlyArray<string>
  /** Maximum number of GET /api/events streams open at once; EventsRoute.DEFAULT_MAX_CLIENTS when absent. */
  readonly sseMaxClients?: number | undefined
}

const ApiLive = HttpApiBuilder.api(JobsApi).pipe(
  Layer.provide([JobsHandlers.layer, WorkersHandlers.layer, HealthHandlers.layer]),
)

export const layer = (options: ApiServerOptions) =>
  HttpApiBuilder.serve(logRequests).pipe(
    Layer.provide([
      EventsRoute.layer(options.sseMaxClients),
      HttpApiSwagger.layer({ path: "/docs" }),
      HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }),
      HttpApiBuilder.middlewareCors({ allowedOrigins: options.corsOrigins }),
      ErrorResponses.layer,
    ]),
    Layer.provide(ApiLive),
    // An event stream's request fiber lives as long as its client stays connected, and a
    // tracing span for it would stay in memory all that time, once per client.
    HttpMiddleware.withTracerDisabledForUrls([EventsRoute.EVENTS_PATH]),
    HttpServer.withLogAddress,
  )

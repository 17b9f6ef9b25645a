/**
 * Checks a request's body before any handler reads it:
 * - a body larger than MAX_BODY_BYTES gets 413,
 * - a body whose Content-Type is not application/json gets 415.
 *
 * A body without a Content-Type header is still read as JSON, as HttpApi does by
 * default, so clients that omit the header keep working.
 */
import {
  type HttpApp,
  HttpIncomingMessage,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
} from "@effect/platform"
import { Effect, Option } from "effect"

/** The largest request body the server reads, in bytes (16 KiB). */
export const MAX_BODY_BYTES = 16 * 1024

const ACCEPTED_MEDIA_TYPE = "application/json"

/**
 * The 413 response. The connection is closed afterwards, because the rest of a
 * body that was not read would otherwise be taken for the next request.
 */
export const payloadTooLarge = (declaredBytes: number | undefined) =>
  HttpServerResponse.unsafeJson(
    {
      _tag: "PayloadTooLarge",
      message:
        declaredBytes === undefined
          ? `request body is larger than ${MAX_BODY_BYTES} bytes (16 KiB), the maximum`
          : `request body is ${declaredBytes} bytes, larger than ${MAX_BODY_BYTES} bytes (16 KiB), the maximum`,
      maxBytes: MAX_BODY_BYTES,
    },
    { status: 413, headers: { connection: "close" } },
  )

const unsupportedMediaType = (contentType: string) =>
  HttpServerResponse.unsafeJson(
    {
      _tag: "UnsupportedMediaType",
      message: `content type ${JSON.stringify(contentType)} is not supported: send the body as JSON with content-type: ${ACCEPTED_MEDIA_TYPE}`,
    },
    { status: 415 },
  )

const declaredLength = (headers: Readonly<Record<string, string | undefined>>) => {
  const raw = headers["content-length"]
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined
}

const hasBody = (headers: Readonly<Record<string, string | undefined>>): boolean =>
  (declaredLength(headers) ?? 0) > 0 || headers["transfer-encoding"] !== undefined

/** The media type without parameters, such as `application/json` for `Application/JSON; charset=utf-8`. */
const mediaTypeOf = (contentType: string): string =>
  (contentType.split(";")[0] ?? "").trim().toLowerCase()

/**
 * True for the failure of reading a body (sent without Content-Length) past the
 * limit. The Node request reader reports it as a RequestError whose cause has the message
 * "maxBytes exceeded" (@effect/platform-node 0.108).
 */
export const isBodyTooLarge = (failure: unknown): boolean =>
  HttpServerError.isServerError(failure) &&
  failure._tag === "RequestError" &&
  failure.reason === "Decode" &&
  failure.cause instanceof Error &&
  failure.cause.message === "maxBytes exceeded"

/**
 * Responds 413 to a Content-Length above the limit without reading the body, 415
 * to a body that is not JSON, and otherwise runs `app` with the body limit set.
 * The limit also stops a chunked body that declares no length: reading it fails
 * (see `isBodyTooLarge`), and ErrorResponses turns that failure into a 413.
 *
 * NOTE: for such a chunked body the 413 never reaches the client. The Node
 * request reader of @effect/platform-node 0.108 destroys the request stream when
 * it stops reading, which closes the connection before the response is written.
 */
export const limitRequests = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const length = declaredLength(request.headers)
    if (length !== undefined && length > MAX_BODY_BYTES) {
      return Effect.succeed(payloadTooLarge(length))
    }
    const contentType = request.headers["content-type"]
    if (
      hasBody(request.headers) &&
      contentType !== undefined &&
      mediaTypeOf(contentType) !== ACCEPTED_MEDIA_TYPE
    ) {
      return Effect.succeed(unsupportedMediaType(contentType))
    }
    return HttpIncomingMessage.withMaxBodySize(app, Option.some(MAX_BODY_BYTES))
  })

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
import { NodeHttpServerRequest } from "@effect/platform-node"
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
 * True for the failure of the Node request reader when a body grows past the limit
 * that `withMaxBodySize` sets: a RequestError whose cause has the message
 * "maxBytes exceeded" (@effect/platform-node 0.108). limitRequests checks
 * Content-Length and reads chunked bodies itself, so this is a fallback.
 */
export const isBodyTooLarge = (failure: unknown): boolean =>
  HttpServerError.isServerError(failure) &&
  failure._tag === "RequestError" &&
  failure.reason === "Decode" &&
  failure.cause instanceof Error &&
  failure.cause.message === "maxBytes exceeded"

/**
 * Reads a body sent without Content-Length (chunked) from the Node request, counting
 * bytes, and returns undefined once it grows past MAX_BODY_BYTES. From then on the
 * rest of the body is read and dropped until the 413 is sent and Node closes the
 * connection, because the 413 has a Connection: close header. The request reader of
 * @effect/platform-node 0.108 is not used here, because when its own limit stops it,
 * it destroys the request stream, which closes the connection before any response is
 * written.
 */
const readChunkedBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.async<Buffer | undefined>((resume) => {
    const source = NodeHttpServerRequest.toIncomingMessage(request)
    const chunks: Array<Buffer> = []
    let bytes = 0

    const stopListening = () => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes <= MAX_BODY_BYTES) {
        chunks.push(chunk)
        return
      }
      stopListening()
      // Keeps the stream flowing with no reader, so Node drops the rest of the body.
      source.resume()
      resume(Effect.succeed(undefined))
    }
    const onEnd = () => {
      stopListening()
      resume(Effect.succeed(Buffer.concat(chunks)))
    }
    // Node emits "error" when the connection breaks before the body ends, so no
    // response can reach the client, and the handler is interrupted.
    const onError = () => {
      stopListening()
      resume(Effect.interrupt)
    }

    source.on("data", onData)
    source.on("end", onEnd)
    source.on("error", onError)
    return Effect.sync(stopListening)
  })

/** Copies the request with `body`, already read, as its body, for the handlers to decode. */
const withBody = (request: HttpServerRequest.HttpServerRequest, body: Buffer) => {
  const replaced = HttpServerRequest.fromWeb(
    // The host is a placeholder because the Fetch API needs an absolute URL. fromWeb drops it.
    new Request(`http://localhost${request.originalUrl}`, { method: request.method, body }),
  ).modify({ url: request.url, headers: request.headers })
  return Option.match(request.remoteAddress, {
    onNone: () => replaced,
    onSome: (remoteAddress) => replaced.modify({ remoteAddress }),
  })
}

/**
 * Responds 413 to a Content-Length above the limit without reading the body, 415
 * to a body that is not JSON, and otherwise runs `app` with the body limit set.
 * A chunked body, which declares no length, is read here first (see
 * `readChunkedBody`), and gets a 413 once it grows past the limit.
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
    // A GET or HEAD never has its body read, and the Fetch API that `withBody` uses
    // rejects a body on those methods, so their bodies are left to the limit below.
    if (
      length === undefined &&
      request.headers["transfer-encoding"] !== undefined &&
      request.method !== "GET" &&
      request.method !== "HEAD"
    ) {
      return Effect.flatMap(readChunkedBody(request), (body) =>
        body === undefined
          ? Effect.succeed(payloadTooLarge(undefined))
          : Effect.provideService(
              app,
              HttpServerRequest.HttpServerRequest,
              withBody(request, body),
            ),
      )
    }
    return HttpIncomingMessage.withMaxBodySize(app, Option.some(MAX_BODY_BYTES))
  })

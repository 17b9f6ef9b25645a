/**
 * Rewrites the failures for which HttpApi returns little or nothing into JSON
 * bodies that state what was wrong:
 * - a request that fails validation (400 HttpApiDecodeError) keeps its `issues`
 *   and gets a one-line `message` such as
 *   `durationSeconds: must be a whole number of seconds from 0 to 30, got 1.5`,
 * - a body that is not valid JSON gets a 400 instead of an empty one, with the
 *   parser's message and an example of an accepted body,
 * - a body that the Node request reader stops at the size limit gets a 413
 *   (a fallback, because RequestLimits checks the size first),
 * - an unknown path gets a 404 instead of an empty one.
 */
import {
  HttpApiBuilder,
  HttpApiError,
  type HttpApp,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
} from "@effect/platform"
import { cutForPreview, JobsApi } from "@jobs/domain"
import { Cause, Effect, type ParseResult } from "effect"
import { isBodyTooLarge, limitRequests, payloadTooLarge } from "./RequestLimits"

type Issue = ParseResult.ArrayFormatterIssue

const fieldOf = (issue: Issue): string =>
  issue.path.length === 0 ? "body" : issue.path.map(String).join(".")

/**
 * Keeps the first issue of each field. An optional parameter is a union with
 * `undefined`, so a wrong value also yields a second issue, "Expected undefined".
 * The first issue is the one of the declared type.
 */
export const firstIssuePerField = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> =>
  issues.filter(
    (issue, index) => issues.findIndex((other) => fieldOf(other) === fieldOf(issue)) === index,
  )

/** Formats the issues as `field: problem`, the field being the path joined with dots. */
export const summarizeIssues = (issues: ReadonlyArray<Issue>): string =>
  issues.map((issue) => `${fieldOf(issue)}: ${issue.message}`).join("; ")

const isMalformedBody = (failure: unknown): failure is HttpServerError.RequestError =>
  HttpServerError.isServerError(failure) &&
  failure._tag === "RequestError" &&
  failure.reason === "Decode"

/** A request body that POST /api/jobs accepts, the only endpoint that reads a body. */
const ACCEPTED_BODY = `a JSON object with name and durationSeconds, for example {"name":"report","durationSeconds":5}`

/**
 * Builds the message for a body that JSON.parse rejects. It includes the parser's own
 * message, such as "Expected ',' or '}' after property value in JSON at position 111"
 * (Node 20), which @effect/platform-node 0.108 passes on as the RequestError's cause.
 * A cause that is not a SyntaxError is left out.
 */
const malformedBodyMessage = (failure: HttpServerError.RequestError): string => {
  const reason = failure.cause instanceof SyntaxError ? ` (${failure.cause.message})` : ""
  return `request body is not valid JSON${reason}: send ${ACCEPTED_BODY}`
}

/** Maximum length of the request URL repeated in a 404 message, in characters (code points). */
const MAX_URL_PREVIEW = 200

/** Cuts a long URL to MAX_URL_PREVIEW characters and states its full length. */
const previewUrl = (url: string): string => {
  const cut = cutForPreview(url, MAX_URL_PREVIEW)
  return cut === undefined ? url : `${cut.shown}... (${cut.length} characters)`
}

const notFound = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  HttpServerResponse.unsafeJson(
    {
      _tag: "NotFound",
      message: `${request.method} ${previewUrl(request.url)} does not exist. The API is under /api and documented at /docs.`,
    },
    { status: 404 },
  ),
)

const rewriteFailures = (app: HttpApp.Default) =>
  Effect.catchAllCause(app, (cause) => {
    // The router and HttpApi raise these as plain failures or defects, so the
    // cause is inspected instead of matching on a typed error channel.
    const failure = Cause.squash(cause)
    if (failure instanceof HttpApiError.HttpApiDecodeError) {
      const issues = firstIssuePerField(failure.issues)
      return Effect.fail(
        new HttpApiError.HttpApiDecodeError({ issues, message: summarizeIssues(issues) }),
      )
    }
    if (isBodyTooLarge(failure)) {
      return Effect.succeed(payloadTooLarge(undefined))
    }
    if (isMalformedBody(failure)) {
      return Effect.fail(
        new HttpApiError.HttpApiDecodeError({
          issues: [],
          message: malformedBodyMessage(failure),
        }),
      )
    }
    if (HttpServerError.isServerError(failure) && failure._tag === "RouteNotFound") {
      return notFound
    }
    return Effect.failCause(cause)
  })

/** The body checks of RequestLimits around the rewriting of failures. */
export const layer = HttpApiBuilder.middleware(JobsApi, (app) =>
  limitRequests(rewriteFailures(app)),
)

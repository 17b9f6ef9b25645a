/**
 * Turns a failed API call into one sentence for the page. An error that the contract declares
 * carries a message written by the API, which is shown as is. A transport or decoding failure
 * gets a translated sentence instead and is also written to the browser console.
 */
import type { HttpApiError, HttpClientError } from "@effect/platform"
import type {
  InvalidJobTransition,
  JobNotFinished,
  JobNotFound,
  ServiceUnavailable,
  Unhealthy,
} from "@jobs/domain"
import type { ParseResult } from "effect"
import type { Messages } from "../i18n"

export type ApiFailure =
  | HttpApiError.HttpApiDecodeError
  | ServiceUnavailable
  | Unhealthy
  | JobNotFound
  | InvalidJobTransition
  | JobNotFinished
  | HttpClientError.HttpClientError
  | ParseResult.ParseError

/** Joins the issues of a 400 response as `field: message`, one per issue. */
const formatIssues = (error: HttpApiError.HttpApiDecodeError): string => {
  if (error.issues.length === 0) {
    return error.message
  }
  return error.issues
    .map((issue) =>
      issue.path.length === 0
        ? issue.message
        : `${issue.path.map(String).join(".")}: ${issue.message}`,
    )
    .join("; ")
}

export const describeApiFailure = (error: ApiFailure, failures: Messages["failures"]): string => {
  switch (error._tag) {
    case "HttpApiDecodeError":
      return formatIssues(error)
    case "ServiceUnavailable":
    case "Unhealthy":
    case "JobNotFound":
    case "InvalidJobTransition":
    case "JobNotFinished":
      return error.message
    case "RequestError":
      console.error("request to the API failed", error)
      return failures.network
    case "ResponseError":
      console.error("unexpected response from the API", error)
      // The dev server's proxy returns 502 when the API itself did not respond.
      return error.response.status === 502
        ? failures.network
        : failures.unexpectedResponse(error.response.status)
    case "ParseError":
      console.error("response from the API did not match the contract", error)
      return failures.unexpectedResponse(undefined)
  }
}

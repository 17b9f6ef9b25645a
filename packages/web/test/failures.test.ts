import { HttpClientError, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { JobId, JobNotFinished } from "@jobs/domain"
import { describe, expect, it, vi } from "vitest"
import { describeApiFailure } from "../src/api/failures"
import { dictionaries } from "../src/i18n"

describe("describeApiFailure", () => {
  it("shows the API's own message when a re-run is refused", () => {
    const jobId = JobId.make(crypto.randomUUID())
    const refusal = new JobNotFinished({ jobId, currentStatus: "RUNNING" })

    expect(describeApiFailure(refusal, dictionaries.en.failures)).toBe(
      `job ${jobId} is RUNNING and cannot be re-run until it is COMPLETED, CANCELLED or FAILED`,
    )
  })

  it("says the API is unreachable when the dev proxy answers 502", () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined)
    const request = HttpClientRequest.get("/api/jobs")
    const responseOf = (status: number) =>
      new HttpClientError.ResponseError({
        request,
        response: HttpClientResponse.fromWeb(request, new Response("", { status })),
        reason: "StatusCode",
      })

    expect(describeApiFailure(responseOf(502), dictionaries.ja.failures)).toBe(
      dictionaries.ja.failures.network,
    )
    expect(describeApiFailure(responseOf(500), dictionaries.ja.failures)).toBe(
      dictionaries.ja.failures.unexpectedResponse(500),
    )
  })
})

import { JobId, JobNotFinished } from "@jobs/domain"
import { describe, expect, it } from "vitest"
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
})

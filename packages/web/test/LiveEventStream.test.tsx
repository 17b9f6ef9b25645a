// @vitest-environment happy-dom
import { JobId } from "@jobs/domain"
import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { JobDetail, LiveEventStream } from "../src/components/JobDetail"
import { formatClock } from "../src/eventViewsText"
import { AppProviders, makeTestApp } from "./fixtures/appProviders"
import { currentSource, FakeEventSource, stubFetch } from "./fixtures/fakeBrowser"
import { completedJobA, JOB_A, recorded } from "./fixtures/recordedEnvelopes"

// One test per file: the tab's event connection is one per module.

const clock = { now: Date.parse("2026-12-04T23:57:30.000Z") }

beforeEach(() => {
  vi.stubGlobal("EventSource", FakeEventSource)
  vi.spyOn(Date, "now").mockImplementation(() => clock.now)
})

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

const lines = () =>
  within(screen.getByRole("list", { name: "Received events, newest first" })).getAllByRole(
    "listitem",
  )

describe("LiveEventStream", () => {
  it("shows what arrives over SSE and, after a reconnection, what the page refetched", async () => {
    stubFetch({
      [`GET /api/jobs/${JOB_A}`]: () => ({ status: 200, body: completedJobA }),
      [`GET /api/jobs/${JOB_A}/events`]: () => ({
        status: 200,
        body: {
          items: [recorded.createdA, recorded.startedA, recorded.completedA].map((raw) =>
            JSON.parse(raw),
          ),
        },
      }),
    })
    const app = makeTestApp()

    render(
      <AppProviders app={app}>
        <JobDetail jobId={JobId.make(JOB_A)} onClose={() => undefined} />
        <LiveEventStream />
      </AppProviders>,
    )
    act(() => {
      currentSource().open()
      currentSource().emit(recorded.workerStarted)
      currentSource().emit(recorded.createdB)
    })
    await screen.findByRole("heading", { name: "Job: nightly-report" })

    expect(lines().map((line) => line.getAttribute("data-event-type"))).toEqual([
      "JobCreated",
      "WorkerStarted",
    ])
    // A job only in the query cache is named from there.
    act(() => currentSource().emit(recorded.completedA))
    expect(lines()[0]?.textContent).toContain("job b397d96a (nightly-report)")

    clock.now += 5_000
    act(() => {
      currentSource().drop()
      currentSource().open()
    })

    const marker = await waitFor(() => {
      const found = lines().find((line) => line.getAttribute("data-marker") === "reconnect")
      expect(found?.textContent).toContain("The page refetched: job b397d96a, jobEvents b397d96a.")
      return found
    })
    expect(marker?.textContent).toContain(`Stream reconnected at ${formatClock("en", clock.now)}.`)
    expect(marker?.textContent).toContain("The server replayed nothing")
  })
})

// @vitest-environment happy-dom
import { JobId } from "@jobs/domain"
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { JobDetail } from "../src/components/JobDetail"
import { AppProviders, makeTestApp } from "./fixtures/appProviders"
import { currentSource, FakeEventSource, stubFetch } from "./fixtures/fakeBrowser"
import {
  completedJobA,
  decode,
  JOB_A,
  recorded,
  recordedJobA,
  recordedRejection,
} from "./fixtures/recordedEnvelopes"

// This file contains one test because the tab's event connection is one per module, so a second test
// here would find it already opened once.

const clock = { now: 0 }

beforeEach(() => {
  vi.stubGlobal("EventSource", FakeEventSource)
  vi.spyOn(Date, "now").mockImplementation(() => clock.now)
})

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

/** Delivers a recorded `data:` line `delayMs` after the envelope's timestamp. */
const deliver = (raw: string, delayMs: number) =>
  act(() => {
    clock.now = decode(raw).occurredAt.getTime() + delayMs
    currentSource().emit(raw)
  })

const rowTexts = () =>
  within(screen.getByRole("list", { name: "Events in version order" }))
    .getAllByRole("listitem")
    .map((item) => item.textContent ?? "")

const rowTypes = () =>
  within(screen.getByRole("list", { name: "Events in version order" }))
    .getAllByRole("listitem")
    .map((item) => item.getAttribute("data-event-type"))

describe("JobDetail", () => {
  it("merges the log with live events, refetches after a reconnection and shows a rejection", async () => {
    const server = {
      job: recordedJobA as unknown,
      log: [JSON.parse(recorded.createdA)] as Array<unknown>,
    }
    const requests = stubFetch({
      [`GET /api/jobs/${JOB_A}`]: () => ({ status: 200, body: server.job }),
      [`GET /api/jobs/${JOB_A}/events`]: () => ({ status: 200, body: { items: server.log } }),
      [`POST /api/jobs/${JOB_A}/cancel`]: () => ({ status: 409, body: recordedRejection }),
    })
    const onClose = vi.fn()
    const app = makeTestApp()
    clock.now = Date.parse(recordedJobA.createdAt) + 100

    render(
      <AppProviders app={app}>
        <JobDetail jobId={JobId.make(JOB_A)} onClose={onClose} />
      </AppProviders>,
    )
    act(() => currentSource().open())

    // The log has JobCreated only, loaded before the job started.
    expect(await screen.findByRole("heading", { name: "Job: nightly-report" })).toBeDefined()
    await waitFor(() => expect(rowTexts()).toHaveLength(1))
    expect(rowTexts()[0]).toContain("from the log")

    // Live: JobCompleted overtakes JobStarted, which then arrives twice; job B is not shown.
    deliver(recorded.completedA, 12)
    deliver(recorded.startedA, 8)
    deliver(recorded.startedA, 300)
    deliver(recorded.createdB, 5)

    expect(rowTypes()).toEqual(["JobCreated", "JobStarted", "JobCompleted"])
    expect(rowTexts()[1]).toContain("arrived live, 8 ms after its timestamp")
    expect(rowTexts()[2]).toContain("arrived live, 12 ms after its timestamp")
    expect(
      screen.getByRole("heading", { name: "Allowed transitions from COMPLETED" }),
    ).toBeDefined()

    // Reconnection: the page loads the job and its log again; live arrivals stay.
    server.job = completedJobA
    server.log = [recorded.createdA, recorded.startedA, recorded.completedA].map((raw) =>
      JSON.parse(raw),
    )
    act(() => {
      currentSource().drop()
      currentSource().open()
    })
    await waitFor(() =>
      expect(requests.filter((request) => request.endsWith("/events"))).toHaveLength(2),
    )
    expect(requests.filter((request) => request === `GET /api/jobs/${JOB_A}`)).toHaveLength(2)
    await waitFor(() => expect(rowTexts()).toHaveLength(3))
    expect(rowTexts()[0]).toContain("from the log")
    expect(rowTexts()[2]).toContain("arrived live, 12 ms after its timestamp")

    // Cancel of a COMPLETED job: the API rejects it with a 409 and the page shows why.
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }))
    const actions = screen.getByRole("region", { name: "Actions" })
    expect((await within(actions).findByRole("alert")).textContent).toBe(
      `Rejected by the API: HTTP 409 InvalidJobTransition: job ${JOB_A} is COMPLETED and cannot become CANCELLED`,
    )

    fireEvent.click(screen.getByRole("button", { name: "Close" }))
    expect(onClose).toHaveBeenCalledOnce()
  })
})

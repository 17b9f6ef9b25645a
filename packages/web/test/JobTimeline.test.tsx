// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { JobTimeline, type JobTimelineProps } from "../src/components/JobTimeline"
import { dictionaries, I18nContext, type Language } from "../src/i18n"
import { addLive, emptyTimeline, mergeLog, type Timeline } from "../src/state/timeline"
import {
  decodeJobEvent,
  JOB_A,
  logOfA,
  recorded,
  recordedRejection,
} from "./fixtures/recordedEnvelopes"

afterEach(cleanup)

const started = decodeJobEvent(recorded.startedA)
const completed = decodeJobEvent(recorded.completedA)

const renderTimeline = (props: Partial<JobTimelineProps>, language: Language = "en") => {
  const onAction = vi.fn()
  render(
    <I18nContext.Provider value={{ language, messages: dictionaries[language] }}>
      <JobTimeline
        entries={emptyTimeline}
        status={undefined}
        loading={false}
        loadError={null}
        busy={null}
        rejections={{}}
        onAction={onAction}
        {...props}
      />
    </I18nContext.Provider>,
  )
  return { onAction }
}

const rows = (language: Language = "en") =>
  within(screen.getByRole("list", { name: listName[language] })).getAllByRole("listitem")

const listName: Readonly<Record<Language, string>> = {
  en: "Events in version order",
  ja: "バージョン順のイベント",
}

/**
 * Job A as a page receives it: JobStarted arrived live 8 ms after its timestamp, twice, then
 * JobCompleted 12 ms after, and JobCreated only in the log fetched afterwards.
 */
const mixed: Timeline = mergeLog(
  [
    { event: completed, at: completed.occurredAt.getTime() + 12 },
    { event: started, at: started.occurredAt.getTime() + 8 },
    { event: started, at: started.occurredAt.getTime() + 300 },
  ].reduce((timeline, { event, at }) => addLive(timeline, event, at), emptyTimeline),
  logOfA,
)

describe("JobTimeline", () => {
  it("shows JobCreated by the API process, then JobStarted and JobCompleted by worker-x", () => {
    renderTimeline({ entries: mixed, status: "COMPLETED" })

    const [first, second, third, ...rest] = rows()
    expect(rest).toHaveLength(0)
    expect(first?.textContent).toContain("JobCreated")
    expect(first?.textContent).toContain("API process api")
    expect(second?.textContent).toContain("JobStarted")
    expect(second?.textContent).toContain("worker process worker-x")
    expect(third?.textContent).toContain("JobCompleted")
    expect(third?.textContent).toContain("worker process worker-x")
  })

  it("shows each event's version, time and delay, or that it came from the log", () => {
    renderTimeline({ entries: mixed, status: "COMPLETED" })

    const [first, second, third] = rows()
    expect(first?.textContent).toContain("Version1")
    expect(first?.textContent).toContain("from the log (loaded, not received live)")
    expect(second?.textContent).toContain("Version2")
    expect(second?.textContent).toContain("arrived live, 8 ms after its timestamp")
    expect(third?.textContent).toContain("Version3")
    expect(third?.textContent).toContain("arrived live, 12 ms after its timestamp")
    expect(third?.querySelector("time")?.getAttribute("dateTime")).toBe("2026-12-04T23:57:23.239Z")
  })

  it("lists the transitions the domain allows from the current status", () => {
    renderTimeline({ entries: mixed.slice(0, 2), status: "RUNNING" })

    const section = screen.getByRole("region", { name: "Allowed transitions from RUNNING" })
    expect(
      within(section)
        .getAllByRole("listitem")
        .map((item) => item.textContent),
    ).toEqual([
      "complete: to COMPLETED",
      "cancel: to CANCELLED",
      "fail: to FAILED",
      "release: to PENDING",
    ])
  })

  it("offers a re-run from COMPLETED and says that a cancel will be rejected", () => {
    renderTimeline({ entries: mixed, status: "COMPLETED" })

    const transitions = screen.getByRole("region", { name: "Allowed transitions from COMPLETED" })
    expect(within(transitions).getByRole("listitem").textContent).toBe(
      "rerun: creates a new PENDING job",
    )
    expect(screen.getByRole("button", { name: "Cancel" }).getAttribute("aria-describedby")).toBe(
      screen.getByText(/not allowed from COMPLETED/).id,
    )
    expect(screen.getByText("allowed from COMPLETED")).toBeDefined()
  })

  it("shows the API's rejection next to the rejected action", () => {
    const rejection = `HTTP 409 InvalidJobTransition: ${recordedRejection.message}`
    renderTimeline({ entries: mixed, status: "COMPLETED", rejections: { cancel: rejection } })

    const actions = screen.getByRole("region", { name: "Actions" })
    const [cancelItem, rerunItem] = within(actions).getAllByRole("listitem")
    expect(within(cancelItem ?? actions).getByRole("alert").textContent).toBe(
      `Rejected by the API: HTTP 409 InvalidJobTransition: job ${JOB_A} is COMPLETED and cannot become CANCELLED`,
    )
    expect(within(rerunItem ?? actions).queryByRole("alert")).toBeNull()
  })

  it("calls onAction with the clicked action", () => {
    const { onAction } = renderTimeline({ entries: mixed, status: "COMPLETED" })

    fireEvent.click(screen.getByRole("button", { name: "Re-run" }))

    expect(onAction).toHaveBeenCalledWith("rerun")
  })

  it("disables the actions while one runs and names the running one", () => {
    renderTimeline({ entries: mixed, status: "RUNNING", busy: "cancel" })

    expect(screen.getByRole("button", { name: "Cancelling…" })).toHaveProperty("disabled", true)
    expect(screen.getByRole("button", { name: "Re-run" })).toHaveProperty("disabled", true)
  })

  it("shows the loading and failure states of the log", () => {
    renderTimeline({ loading: true })
    expect(screen.getByRole("status").textContent).toBe("Loading the event log…")
    cleanup()

    renderTimeline({ loadError: `job ${JOB_A} not found` })
    expect(screen.getByRole("alert").textContent).toBe(
      `The event log could not be loaded: job ${JOB_A} not found`,
    )
  })

  it("speaks Japanese when the page does", () => {
    renderTimeline({ entries: mixed, status: "COMPLETED" }, "ja")

    const [first, second] = rows("ja")
    expect(first?.textContent).toContain("API プロセス api")
    expect(first?.textContent).toContain("ログから読み込み")
    expect(second?.textContent).toContain("ワーカープロセス worker-x")
    expect(second?.textContent).toContain("タイムスタンプから 8 ms 後に到着")
    expect(screen.getByRole("heading", { name: "COMPLETED から可能な遷移" })).toBeDefined()
  })
})

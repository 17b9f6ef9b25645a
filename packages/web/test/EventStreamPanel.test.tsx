// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import {
  type EventStreamControls,
  EventStreamPanel,
  useEventStreamState,
} from "../src/components/EventStreamPanel"
import { formatClock } from "../src/eventViewsText"
import { dictionaries, I18nContext, type Language } from "../src/i18n"
import { decode, JOB_A, JOB_B, recorded } from "./fixtures/recordedEnvelopes"

afterEach(cleanup)

/** Renders the panel on its own state and hands the state's controls to the test. */
const Harness = ({ controls }: { readonly controls: { current: EventStreamControls | null } }) => {
  const stream = useEventStreamState()
  controls.current = stream
  return <EventStreamPanel state={stream.state} onPause={stream.pause} onResume={stream.resume} />
}

const renderPanel = (language: Language = "en") => {
  const controls: { current: EventStreamControls | null } = { current: null }
  render(
    <I18nContext.Provider value={{ language, messages: dictionaries[language] }}>
      <Harness controls={controls} />
    </I18nContext.Provider>,
  )
  const stream = () => {
    if (controls.current === null) {
      throw new Error("the panel did not render")
    }
    return controls.current
  }
  return {
    /** Delivers recorded `data:` lines in this order, each 20 ms after its timestamp. */
    deliver: (...raws: ReadonlyArray<string>) =>
      act(() => {
        for (const raw of raws) {
          const event = decode(raw)
          stream().receive(event, raw, event.occurredAt.getTime() + 20)
        }
      }),
    reconnect: (openedAt: number, refetched: ReadonlyArray<string>) =>
      act(() => {
        stream().markReconnect(openedAt)
        for (const label of refetched) {
          stream().recordRefetch(label, openedAt + 50)
        }
      }),
  }
}

const lineTexts = () =>
  within(screen.getByRole("list", { name: "Received events, newest first" }))
    .getAllByRole("listitem")
    .map((item) => item.textContent ?? "")

const eventTypes = () =>
  within(screen.getByRole("list", { name: "Received events, newest first" }))
    .getAllByRole("listitem")
    .map((item) => item.getAttribute("data-event-type") ?? "marker")

// The order the recording received them, with job A's JobStarted delivered twice.
const session = [
  recorded.workerStarted,
  recorded.createdA,
  recorded.startedA,
  recorded.startedA,
  recorded.completedA,
  recorded.createdB,
  recorded.startedB,
  recorded.cancelledB,
]

describe("EventStreamPanel", () => {
  it("shows every envelope newest first, duplicates included", () => {
    const panel = renderPanel()
    panel.deliver(...session)

    expect(eventTypes()).toEqual([
      "JobCancelled",
      "JobStarted",
      "JobCreated",
      "JobCompleted",
      "JobStarted",
      "JobStarted",
      "JobCreated",
      "WorkerStarted",
    ])
    expect(screen.getByText("8 of 8 lines shown")).toBeDefined()
  })

  it("shows arrival time, type, job with its name, producer and version on each line", () => {
    const panel = renderPanel()
    panel.deliver(recorded.workerStarted, recorded.createdB, recorded.cancelledB)

    const cancelled = decode(recorded.cancelledB)
    const [cancelledLine, , workerLine] = lineTexts()
    expect(cancelledLine).toBe(
      `Arrived ${formatClock("en", cancelled.occurredAt.getTime() + 20)} JobCancelled job ${JOB_B.slice(0, 8)} (weekly-export) Producer: api (API process) Version: 3`,
    )
    expect(workerLine).toContain("worker worker-x")
    expect(workerLine).toContain("Producer: worker-x (worker process)")
    expect(workerLine).toContain("Version: none (worker event)")
  })

  it("filters by event type with the checkboxes", () => {
    const panel = renderPanel()
    panel.deliver(...session)

    fireEvent.click(screen.getByRole("checkbox", { name: "JobStarted" }))
    fireEvent.click(screen.getByRole("checkbox", { name: "WorkerStarted" }))

    expect(eventTypes()).toEqual(["JobCancelled", "JobCreated", "JobCompleted", "JobCreated"])
    expect(screen.getByText("4 of 8 lines shown")).toBeDefined()
  })

  it("filters by part of the job id", () => {
    const panel = renderPanel()
    panel.deliver(...session)

    fireEvent.change(screen.getByRole("searchbox", { name: "Job ID contains" }), {
      target: { value: JOB_A.slice(9, 13) },
    })

    expect(eventTypes()).toEqual(["JobCompleted", "JobStarted", "JobStarted", "JobCreated"])

    fireEvent.change(screen.getByRole("searchbox", { name: "Job ID contains" }), {
      target: { value: "no-such-job" },
    })
    expect(screen.getByText("No line matches the filters.")).toBeDefined()
  })

  it("counts new events while paused and shows them on resume", () => {
    const panel = renderPanel()
    panel.deliver(recorded.createdA)

    fireEvent.click(screen.getByRole("button", { name: "Pause" }))
    panel.deliver(recorded.startedA, recorded.completedA)

    expect(eventTypes()).toEqual(["JobCreated"])
    expect(screen.getByRole("status").textContent).toBe(
      "2 new Paused: new events are counted but not shown.",
    )
    expect(screen.getByRole("button", { name: "Resume" }).getAttribute("aria-pressed")).toBe("true")

    fireEvent.click(screen.getByRole("button", { name: "Resume" }))

    expect(eventTypes()).toEqual(["JobCompleted", "JobStarted", "JobCreated"])
    expect(screen.getByRole("status").textContent).toBe("")
  })

  it("expands a line to its raw JSON and collapses it again", () => {
    const panel = renderPanel()
    panel.deliver(recorded.createdA, recorded.startedA)

    const started = decode(recorded.startedA)
    const time = formatClock("en", started.occurredAt.getTime() + 20)
    const toggle = screen.getByRole("button", {
      name: (name) => name.startsWith(`Arrived ${time} JobStarted job b397d96a`),
    })
    expect(toggle.getAttribute("aria-expanded")).toBe("false")

    fireEvent.click(toggle)

    expect(toggle.getAttribute("aria-expanded")).toBe("true")
    const raw = screen.getByRole("region", { name: `JobStarted at ${time}: raw JSON` })
    expect(toggle.getAttribute("aria-controls")).toBe(raw.id)
    expect(raw.querySelector("pre")?.textContent).toBe(
      JSON.stringify(JSON.parse(recorded.startedA), null, 2),
    )
    expect(raw.textContent).toContain('"producer": "worker-x"')

    fireEvent.click(toggle)
    expect(screen.queryByRole("region", { name: /raw JSON/ })).toBeNull()
  })

  it("marks a reconnection with its time, no replay and what the page refetched", () => {
    const panel = renderPanel()
    panel.deliver(recorded.createdB, recorded.startedB)
    const openedAt = Date.parse("2026-12-04T23:57:27.000Z")
    panel.reconnect(openedAt, ["jobs list", "workers", "jobEvents aab9e8f1"])
    panel.deliver(recorded.cancelledB)

    expect(eventTypes()).toEqual(["JobCancelled", "marker", "JobStarted", "JobCreated"])
    expect(lineTexts()[1]).toBe(
      `⟲ Stream reconnected at ${formatClock("en", openedAt)}.` +
        "The server replayed nothing: Redis Pub/Sub and SSE deliver at most once, so events sent while the stream was down are lost." +
        "The page refetched: jobs list, workers, jobEvents aab9e8f1.",
    )
  })

  it("speaks Japanese when the page does", () => {
    const panel = renderPanel("ja")
    panel.deliver(recorded.createdA)
    panel.reconnect(Date.now(), [])

    expect(
      screen.getByRole("heading", { name: "イベントストリーム（リアルタイム）" }),
    ).toBeDefined()
    expect(screen.getByRole("button", { name: "一時停止" })).toBeDefined()
    const items = within(screen.getByRole("list", { name: "受信したイベント（新しい順）" }))
      .getAllByRole("listitem")
      .map((item) => item.textContent ?? "")
    expect(items[0]).toContain("サーバーは何も再送していません")
    expect(items[0]).toContain("画面はまだ何も再取得していません。")
    expect(items[1]).toContain(`ジョブ ${JOB_A.slice(0, 8)}（nightly-report）`)
  })
})

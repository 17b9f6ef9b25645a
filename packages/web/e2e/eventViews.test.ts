/**
 * The job detail with its event timeline and the live event stream panel, in a real Chromium
 * against the real API, worker processes and the Vite dev server (see app.ts). The app starts
 * without a worker, so a job stays PENDING until a test starts one: the detail is then open
 * before JobStarted and JobCompleted exist, and both arrive live. The cases run in order and
 * share the first job. Screenshots go to test-output/browser.
 */
import path from "node:path"
import type { Locator, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { outputDir, PHONE, type RunningApp, startApp } from "./app"
import {
  attributesOf,
  createJobByApi,
  englishForm,
  type FormLabels,
  japaneseForm,
  openPage,
  pageScrollWidth,
  rowOf,
  STATE_TIMEOUT_MS,
  submitJob,
  waitForStatus,
} from "./page"
import type { Child } from "./processes"

const JOB_NAME = "e2e-timeline-2s"
const JOB_DURATION = 2
// A job's events that ran to the end: in order on its timeline, newest first in the stream.
const LIFECYCLE = ["JobCreated", "JobStarted", "JobCompleted"]
const NEWEST_FIRST = [...LIFECYCLE].reverse()

let app: RunningApp
let worker: Child | undefined
// The producer name of the worker started last, `worker-<id>`.
let workerProducer = ""
// The id of JOB_NAME, set by the first test and used by the later ones.
let jobId = ""

/** Starts a worker under a fresh id, so that each start shows as a new producer. */
const startWorker = async (id: string): Promise<void> => {
  worker = await app.startWorker({ id, concurrency: 1 })
  workerProducer = `worker-${id}`
}

const stopWorker = async (): Promise<void> => {
  if (worker !== undefined) {
    await app.stopChild(worker)
    worker = undefined
  }
}

beforeAll(async () => {
  app = await startApp({ logPrefix: "events", workers: [] })
}, 120_000)

afterAll(async () => {
  await app?.stop()
}, 60_000)

interface Labels extends FormLabels {
  readonly streamHeading: string
  readonly detailHeading: (jobName: string) => string
}

const english: Labels = {
  ...englishForm,
  streamHeading: "Live event stream",
  detailHeading: (jobName) => `Job: ${jobName}`,
}

const japanese: Labels = {
  ...japaneseForm,
  streamHeading: "イベントストリーム（リアルタイム）",
  detailHeading: (jobName) => `ジョブ: ${jobName}`,
}

/** Clicks the job's name in the list and returns the detail region that opens. */
const openDetail = async (page: Page, labels: Labels, name: string): Promise<Locator> => {
  await rowOf(page, name).getByRole("link").click()
  const detail = detailOf(page, labels, name)
  await detail.waitFor()
  return detail
}

const detailOf = (page: Page, labels: Labels, name: string): Locator =>
  page.getByRole("region", { name: labels.detailHeading(name), exact: true })

const streamOf = (page: Page, labels: Labels): Locator =>
  page.getByRole("region", { name: labels.streamHeading, exact: true })

const timelineEntry = (detail: Locator, eventType: string): Locator =>
  detail.locator(`li.timeline__event[data-event-type="${eventType}"]`)

/** The stream's lines about one job, found by the short id each line names. */
const streamLinesOf = (stream: Locator, id: string): Locator =>
  stream.locator("li.stream-line").filter({ hasText: id.slice(0, 8) })

const screenshot = (target: Page | Locator, file: string) =>
  "goto" in target
    ? target.screenshot({ path: path.join(outputDir, file), fullPage: true })
    : target.screenshot({ path: path.join(outputDir, file) })

describe("job detail and event stream in English", () => {
  let page: Page
  let detail: Locator
  let stream: Locator

  beforeAll(async () => {
    page = await openPage(app, "en-US")
    stream = streamOf(page, english)
  }, 60_000)

  it("shows JobCreated by api, then JobStarted and JobCompleted by the worker, live", async () => {
    await submitJob(page, english, JOB_NAME, JOB_DURATION)
    await rowOf(page, JOB_NAME).waitFor()
    jobId = (await rowOf(page, JOB_NAME).getAttribute("data-job-id")) ?? "missing id"

    detail = await openDetail(page, english, JOB_NAME)

    expect(await page.evaluate<string>("window.location.hash")).toBe(`#/jobs/${jobId}`)
    const created = timelineEntry(detail, "JobCreated")
    await created.waitFor()
    expect(await created.locator("code").textContent()).toBe("api")
    expect(await created.textContent()).toContain("API process")
    await waitForStatus(detail, "PENDING")
    expect(await attributesOf(detail.locator("li[data-command]"), "data-command")).toEqual([
      "start",
      "cancel",
    ])

    await startWorker("e2e-events")
    await timelineEntry(detail, "JobCompleted").waitFor({ timeout: STATE_TIMEOUT_MS })

    const entries = detail.locator("li.timeline__event")
    expect(await attributesOf(entries, "data-event-type")).toEqual(LIFECYCLE)
    expect(await attributesOf(entries, "data-version")).toEqual(["1", "2", "3"])
    for (const eventType of ["JobStarted", "JobCompleted"]) {
      const entry = timelineEntry(detail, eventType)
      expect(await entry.getAttribute("data-arrival")).toBe("live")
      expect(await entry.locator("code").textContent()).toBe(workerProducer)
      expect(await entry.textContent()).toContain("worker process")
      expect(await entry.locator(".event-facts__live").textContent()).toMatch(
        /^arrived live, -?[\d,.]+ (ms|s) after its timestamp$/,
      )
    }
    await screenshot(detail, "detail-en-live.png")
  })

  it("shows the transitions allowed from COMPLETED and the API's rejection of Cancel", async () => {
    await waitForStatus(detail, "COMPLETED")
    await detail.getByRole("heading", { name: "Allowed transitions from COMPLETED" }).waitFor()
    expect(await attributesOf(detail.locator("li[data-command]"), "data-command")).toEqual([
      "rerun",
    ])
    const cancel = detail.locator('li.timeline-action[data-action="cancel"]')
    expect(await cancel.locator(".timeline-action__hint").textContent()).toBe(
      "not allowed from COMPLETED: try it to see the API reject it",
    )

    await cancel.getByRole("button", { name: "Cancel", exact: true }).click()

    const rejection = cancel.getByRole("alert")
    await rejection.waitFor()
    expect(await rejection.textContent()).toBe(
      `Rejected by the API: HTTP 409 InvalidJobTransition: job ${jobId} is COMPLETED and cannot become CANCELLED`,
    )
    await waitForStatus(detail, "COMPLETED")
    await screenshot(detail, "detail-en.png")
  })

  it("stream panel showed the job's events as they arrived, newest first", async () => {
    const lines = streamLinesOf(stream, jobId)
    expect(await attributesOf(lines, "data-event-type")).toEqual(NEWEST_FIRST)
    expect(await lines.first().textContent()).toContain(`(${JOB_NAME})`)
    expect(await lines.first().textContent()).toContain(workerProducer)
    // The worker announced itself on the same stream.
    await stream.locator('li.stream-line[data-event-type="WorkerStarted"]').first().waitFor()

    // A job created now shows up on top while it is still PENDING.
    await stopWorker()
    const waitingId = (await createJobByApi(app.apiUrl, "e2e-stream-waiting", 1)).id
    await streamLinesOf(stream, waitingId).first().waitFor()
    expect(await attributesOf(streamLinesOf(stream, waitingId), "data-event-type")).toEqual([
      "JobCreated",
    ])
    const newest = stream.locator("li.stream-line").first()
    expect(await newest.textContent()).toContain(waitingId.slice(0, 8))
    expect(await newest.getAttribute("data-event-type")).toBe("JobCreated")
  })

  it("event type filter hides a type and shows it again", async () => {
    const started = stream.getByRole("checkbox", { name: "JobStarted", exact: true })
    const startedLines = stream.locator('li.stream-line[data-event-type="JobStarted"]')
    expect(await startedLines.count()).toBeGreaterThan(0)

    await started.uncheck()

    await expect.poll(() => startedLines.count()).toBe(0)
    expect(await attributesOf(streamLinesOf(stream, jobId), "data-event-type")).toEqual([
      "JobCompleted",
      "JobCreated",
    ])
    expect(await stream.locator(".event-stream__count").textContent()).toMatch(
      /^\d+ of \d+ lines shown$/,
    )

    await started.check()

    await expect.poll(() => streamLinesOf(stream, jobId).count()).toBe(3)
  })

  it("Pause counts new events without showing them and Resume shows them", async () => {
    await stream.getByRole("button", { name: "Pause", exact: true }).click()
    const resume = stream.getByRole("button", { name: "Resume", exact: true })
    expect(await resume.getAttribute("aria-pressed")).toBe("true")

    const pausedId = (await createJobByApi(app.apiUrl, "e2e-while-paused", 1)).id
    await rowOf(page, "e2e-while-paused").waitFor()
    // The job list keeps updating while the stream panel is paused.
    await startWorker("e2e-events-2")
    await waitForStatus(rowOf(page, "e2e-while-paused"), "COMPLETED")
    await waitForStatus(rowOf(page, "e2e-stream-waiting"), "COMPLETED")

    // JobCreated of the paused job, WorkerStarted, then JobStarted and JobCompleted of both jobs.
    await expect.poll(() => stream.locator(".event-stream__badge").textContent()).toBe("6 new")
    expect(await stream.getByRole("status").textContent()).toContain(
      "Paused: new events are counted but not shown.",
    )
    expect(await streamLinesOf(stream, pausedId).count()).toBe(0)
    await screenshot(stream, "stream-en-paused.png")

    await resume.click()

    await expect
      .poll(() => attributesOf(streamLinesOf(stream, pausedId), "data-event-type"))
      .toEqual(NEWEST_FIRST)
    expect(await stream.locator(".event-stream__badge").count()).toBe(0)
    expect(await stream.getByRole("button", { name: "Pause", exact: true }).count()).toBe(1)
  })

  it("clicking a line shows its raw JSON with job_id and event_type", async () => {
    const line = streamLinesOf(stream, jobId).first()
    const toggle = line.getByRole("button")
    expect(await toggle.getAttribute("aria-expanded")).toBe("false")

    await toggle.click()

    expect(await toggle.getAttribute("aria-expanded")).toBe("true")
    const raw = line.locator(".stream-line__raw pre")
    await raw.waitFor()
    const envelope = JSON.parse((await raw.textContent()) ?? "null") as Record<string, unknown>
    expect(envelope.job_id).toBe(jobId)
    expect(envelope.event_type).toBe("JobCompleted")
    expect(envelope.producer).toBe("worker-e2e-events")
    expect(envelope.job_version).toBe(3)
    await raw.scrollIntoViewIfNeeded()
    await screenshot(stream, "stream-en.png")
    await screenshot(page, "page-en.png")
  })

  it("a reload with the job's hash opens the same detail, from the log", async () => {
    await page.reload()
    await page.locator('[data-connection="open"]').waitFor()

    const reloaded = detailOf(page, english, JOB_NAME)
    await timelineEntry(reloaded, "JobCompleted").waitFor()
    const entries = reloaded.locator("li.timeline__event")
    expect(await attributesOf(entries, "data-event-type")).toEqual(LIFECYCLE)
    expect(await attributesOf(entries, "data-arrival")).toEqual(["log", "log", "log"])
    expect(await reloaded.locator(".event-facts__log").first().textContent()).toBe(
      "from the log (loaded, not received live)",
    )
    expect(await timelineEntry(reloaded, "JobCompleted").locator("code").textContent()).toBe(
      "worker-e2e-events",
    )
    await waitForStatus(reloaded, "COMPLETED")
    await screenshot(reloaded, "detail-en-reloaded.png")
  })

  it("detail and stream stay readable in dark mode", async () => {
    await page.getByLabel("Theme", { exact: true }).selectOption("dark")
    await expect.poll(() => page.locator("html").getAttribute("data-theme")).toBe("dark")
    // The reload emptied the stream, so a new job fills it again.
    const darkId = (await createJobByApi(app.apiUrl, "e2e-dark-1s", 1)).id
    const darkCompleted = streamLinesOf(stream, darkId).filter({ hasText: "JobCompleted" })
    await darkCompleted.waitFor({ timeout: STATE_TIMEOUT_MS })
    await darkCompleted.getByRole("button").click()
    await stream.locator(".stream-line__raw").waitFor()
    await screenshot(detailOf(page, english, JOB_NAME), "detail-dark-en.png")
    await screenshot(stream, "stream-dark-en.png")
  })
})

describe("job detail and event stream in Japanese", () => {
  const name = "e2e-タイムライン-2s"

  it("shows the timeline and the stream in Japanese", async () => {
    // No worker runs while the detail opens, so the job's start and end arrive live.
    await stopWorker()
    const page = await openPage(app, "ja-JP")
    const stream = streamOf(page, japanese)
    await submitJob(page, japanese, name, JOB_DURATION)
    await rowOf(page, name).waitFor()
    const id = (await rowOf(page, name).getAttribute("data-job-id")) ?? "missing id"
    const detail = await openDetail(page, japanese, name)
    await timelineEntry(detail, "JobCreated").waitFor()
    await startWorker("e2e-events-ja")
    await timelineEntry(detail, "JobCompleted").waitFor({ timeout: STATE_TIMEOUT_MS })
    await waitForStatus(detail, "COMPLETED")

    await detail.getByRole("heading", { name: "イベントのタイムライン", exact: true }).waitFor()
    await detail.getByRole("heading", { name: "COMPLETED から可能な遷移", exact: true }).waitFor()
    await detail.getByRole("heading", { name: "操作", exact: true }).waitFor()
    expect(await timelineEntry(detail, "JobCreated").textContent()).toContain("API プロセス")
    const completed = timelineEntry(detail, "JobCompleted")
    expect(await completed.textContent()).toContain("ワーカープロセス")
    expect(await completed.textContent()).toContain("発行元")
    expect(await completed.locator(".event-facts__live").textContent()).toMatch(
      /^リアルタイム受信（タイムスタンプから -?[\d,.]+ (ms|s) 後に到着）$/,
    )

    await detail.getByRole("button", { name: "キャンセル", exact: true }).click()
    const rejection = detail.getByRole("alert")
    await rejection.waitFor()
    expect(await rejection.textContent()).toMatch(/^API が拒否しました: HTTP 409 /)

    await stream.getByRole("button", { name: "一時停止", exact: true }).waitFor()
    await stream.getByRole("group", { name: "イベントの種類", exact: true }).waitFor()
    await stream.getByLabel("ジョブ ID（部分一致）", { exact: true }).waitFor()
    expect(await attributesOf(streamLinesOf(stream, id), "data-event-type")).toEqual(NEWEST_FIRST)
    expect(await streamLinesOf(stream, id).first().textContent()).toContain(
      `ジョブ ${id.slice(0, 8)}`,
    )
    await streamLinesOf(stream, id).first().getByRole("button").click()
    await stream.getByRole("region", { name: /の JobCompleted: JSON 原文$/ }).waitFor()

    await screenshot(detail, "detail-ja.png")
    await screenshot(stream, "stream-ja.png")
    await screenshot(page, "page-ja.png")
  })

  it("opens the detail from the URL on a 390 px phone without overflow", async () => {
    const page = await openPage(app, "ja-JP", { hash: `#/jobs/${jobId}`, viewport: PHONE })

    const detail = detailOf(page, japanese, JOB_NAME)
    await timelineEntry(detail, "JobCompleted").waitFor()
    expect(await attributesOf(detail.locator("li.timeline__event"), "data-arrival")).toEqual([
      "log",
      "log",
      "log",
    ])
    expect(await detail.locator(".event-facts__log").first().textContent()).toBe(
      "ログから読み込み（リアルタイム受信ではない）",
    )
    await detail.getByRole("button", { name: "キャンセル", exact: true }).click()
    await detail.getByRole("alert").waitFor()

    const stream = streamOf(page, japanese)
    const phoneId = (await createJobByApi(app.apiUrl, "e2e-phone-1s", 1)).id
    const phoneCompleted = streamLinesOf(stream, phoneId).filter({ hasText: "JobCompleted" })
    await phoneCompleted.waitFor({ timeout: STATE_TIMEOUT_MS })
    await phoneCompleted.getByRole("button").click()
    await stream.locator(".stream-line__raw").waitFor()

    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(PHONE.width)
    await detail.scrollIntoViewIfNeeded()
    await screenshot(detail, "detail-phone-ja.png")
    await stream.scrollIntoViewIfNeeded()
    await screenshot(stream, "stream-phone-ja.png")
    await screenshot(page, "page-phone-ja.png")
  })
})

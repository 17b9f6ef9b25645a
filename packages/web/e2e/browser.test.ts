/**
 * The whole app in a real Chromium: the API server, one worker and the Vite dev server (see
 * app.ts), against a throwaway database and a Redis channel of this file's own. Screenshots and
 * the children's logs go to test-output/browser.
 */
import path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { outputDir, PHONE, type RunningApp, startApp } from "./app"
import {
  cancelByApi,
  englishForm as english,
  japaneseForm as japanese,
  openPage,
  pageScrollWidth,
  rowOf,
  STATE_TIMEOUT_MS,
  submitJob,
  waitForStatus,
} from "./page"

let app: RunningApp

/** A name of 100 characters with no spaces, the longest that JobName accepts. */
const longName = (prefix: string): string => prefix + "x".repeat(100 - prefix.length)

/** The number of lines the label of the job's Cancel button takes on the screen. */
const cancelLabelLines = (page: Page, jobName: string): Promise<number> =>
  page.evaluate<number>(`(() => {
    const button = document.querySelector('tr[data-job-name="${jobName}"] button')
    const range = document.createRange()
    range.selectNodeContents(button.firstChild)
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size
  })()`)

const cancelViaApi = async (page: Page, jobName: string): Promise<void> => {
  const jobId = await rowOf(page, jobName).getAttribute("data-job-id")
  await cancelByApi(app.apiUrl, jobId ?? "missing id")
}

beforeAll(async () => {
  app = await startApp({ logPrefix: "browser", workers: [{ id: "e2e" }] })
}, 120_000)

afterAll(async () => {
  await app?.stop()
}, 60_000)

describe("job page in English", () => {
  let page: Page
  const eventStreamRequests: Array<string> = []
  let pageLoads = 0

  beforeAll(async () => {
    const context = await app.openBrowser("en-US")
    page = await context.newPage()
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/events") {
        eventStreamRequests.push(request.url())
      }
    })
    page.on("load", () => {
      pageLoads += 1
    })
    await page.goto(app.webOrigin)
    await page.locator('[data-connection="open"]').waitFor()
  }, 60_000)

  // Taken after the steps, passed or not, so that a failure can be seen too.
  afterAll(async () => {
    await page.screenshot({ path: path.join(outputDir, "jobs.png"), fullPage: true })
  })

  it("shows a new job become RUNNING and then COMPLETED without a reload", async () => {
    await submitJob(page, english, "e2e-2s", 2)

    await waitForStatus(rowOf(page, "e2e-2s"), "RUNNING")
    await waitForStatus(rowOf(page, "e2e-2s"), "COMPLETED")

    expect(pageLoads).toBe(1)
    expect(
      await rowOf(page, "e2e-2s")
        .getByRole("button", { name: /^Cancel/ })
        .count(),
    ).toBe(0)
  })

  it("cancels a running job with its Cancel button", async () => {
    await submitJob(page, english, "e2e-20s", 20)
    await waitForStatus(rowOf(page, "e2e-20s"), "RUNNING")

    await rowOf(page, "e2e-20s")
      .getByRole("button", { name: /^Cancel/ })
      .click()

    await waitForStatus(rowOf(page, "e2e-20s"), "CANCELLED")
    expect(
      await rowOf(page, "e2e-20s")
        .getByRole("button", { name: /^Cancel/ })
        .count(),
    ).toBe(0)
  })

  it("shows the API's message when the name is only spaces", async () => {
    await submitJob(page, english, "   ", 1)

    const alert = page.getByRole("alert")
    await alert.waitFor()
    expect(await alert.textContent()).toContain(
      "name: must be from 1 to 100 characters after trimming spaces, got 0",
    )
  })

  it("opens exactly one event stream for the page", () => {
    expect(eventStreamRequests).toHaveLength(1)
    expect(pageLoads).toBe(1)
  })
})

describe("progress bar of a running job", () => {
  let page: Page

  beforeAll(async () => {
    page = await openPage(app, "en-US")
  }, 60_000)

  /** Reads the progress bar's value and its visible "elapsed / total" text. */
  const readProgress = async (jobName: string) => {
    const progress = rowOf(page, jobName).locator(".progress")
    const value = await progress.getByRole("progressbar").getAttribute("aria-valuenow")
    const text = await progress.textContent()
    return { value: Number(value), text }
  }

  it("advances every second while the job runs", async () => {
    const name = "e2e-progress-20s"
    await submitJob(page, english, name, 20)
    await waitForStatus(rowOf(page, name), "RUNNING")
    const bar = rowOf(page, name).getByRole("progressbar", { name: `Progress of ${name}` })
    await bar.waitFor()

    const first = await readProgress(name)
    // The page's clock ticks once a second and no event arrives while a job runs, so the test
    // lets 1.5 s pass: the passing time is what it checks, and no signal exists to wait for.
    await sleep(1_500)
    const second = await readProgress(name)
    await page.screenshot({ path: path.join(outputDir, "progress.png"), fullPage: true })

    expect(await bar.getAttribute("aria-valuemin")).toBe("0")
    expect(await bar.getAttribute("aria-valuemax")).toBe("20")
    expect(first.value).toBeGreaterThanOrEqual(0)
    expect(second.value).toBeGreaterThan(first.value)
    expect(second.value).toBeLessThanOrEqual(20)
    expect(second.text).toBe(`${second.value} / 20 s`)

    await cancelViaApi(page, name)
  })

  it("cancel stops the progress bar", async () => {
    const name = "e2e-progress-cancel"
    await submitJob(page, english, name, 20)
    await rowOf(page, name).getByRole("progressbar").waitFor({ timeout: STATE_TIMEOUT_MS })

    await rowOf(page, name)
      .getByRole("button", { name: /^Cancel/ })
      .click()

    await waitForStatus(rowOf(page, name), "CANCELLED")
    expect(await rowOf(page, name).getByRole("progressbar").count()).toBe(0)
  })
})

describe("cancel refused by the API", () => {
  it("shows the API's 409 message and then the job's real status", async () => {
    const context = await app.openBrowser("en-US")
    const page = await context.newPage()
    // Without the event stream the page keeps showing the job as it was, Cancel button included.
    await page.route("**/api/events", (route) => route.abort())
    await page.goto(app.webOrigin)

    await submitJob(page, english, "e2e-stale", 20)
    const row = rowOf(page, "e2e-stale")
    await row.locator('[data-status="PENDING"]').waitFor()
    const jobId = await row.getAttribute("data-job-id")
    expect(await cancelByApi(app.apiUrl, jobId ?? "missing id")).toBe(200)

    await row.getByRole("button", { name: /^Cancel/ }).click()

    const alert = page.getByRole("alert")
    await alert.waitFor()
    expect(await alert.textContent()).toContain(
      `"e2e-stale" was not cancelled: job ${jobId} is CANCELLED and cannot become CANCELLED`,
    )
    await waitForStatus(rowOf(page, "e2e-stale"), "CANCELLED")
  })
})

describe("job page in Japanese", () => {
  it("labels the page and the statuses in Japanese for a ja-JP browser", async () => {
    const context = await app.openBrowser("ja-JP")
    const page = await context.newPage()
    await page.goto(app.webOrigin)

    expect(await page.locator("html").getAttribute("lang")).toBe("ja")
    await page.getByRole("heading", { name: "ジョブ一覧" }).waitFor()

    await submitJob(page, japanese, "e2e-ja-1s", 1)
    await waitForStatus(rowOf(page, "e2e-ja-1s"), "COMPLETED")
    expect(await rowOf(page, "e2e-ja-1s").textContent()).toContain("完了")

    await page.screenshot({ path: path.join(outputDir, "jobs-ja.png"), fullPage: true })
  })
})

describe("page on a phone-sized screen", () => {
  it.each([
    ["en-US", english, "mobile-en", "Cancel"],
    ["ja-JP", japanese, "mobile-ja", "キャンセル"],
  ] as const)("in %s fits 390 px with a long job name", async (locale, labels, file, cancel) => {
    const context = await app.openBrowser(locale, PHONE)
    const page = await context.newPage()
    await page.goto(app.webOrigin)
    const name = longName(`e2e-${file}-`)

    await submitJob(page, labels, name, 30)
    await rowOf(page, name).waitFor()
    const cancelButton = rowOf(page, name).getByRole("button", { name: new RegExp(`^${cancel}`) })
    await cancelButton.waitFor()
    // The width checks below then cover the progress bar of the RUNNING job too.
    await rowOf(page, name).getByRole("progressbar").waitFor({ timeout: STATE_TIMEOUT_MS })
    await page.screenshot({ path: path.join(outputDir, `${file}.png`), fullPage: true })

    // The table scrolls inside its card, so the page itself never scrolls sideways.
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(PHONE.width)
    expect(await cancelLabelLines(page, name)).toBe(1)
    // The duration and creation columns give way, so Cancel is on screen without scrolling.
    const box = await cancelButton.boundingBox()
    expect(box).not.toBeNull()
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(PHONE.width)

    await cancelViaApi(page, name)
  })
})

describe("long job name on a wide screen", () => {
  it("keeps the Japanese Cancel button on one line", async () => {
    const context = await app.openBrowser("ja-JP", { width: 1200, height: 800 })
    const page = await context.newPage()
    await page.goto(app.webOrigin)
    const name = longName("e2e-wide-ja-")

    await submitJob(page, japanese, name, 30)
    const cancelButton = rowOf(page, name).getByRole("button", { name: /^キャンセル/ })
    await cancelButton.waitFor()
    const progress = rowOf(page, name).locator(".progress")
    await progress.getByRole("progressbar").waitFor({ timeout: STATE_TIMEOUT_MS })
    expect(await progress.textContent()).toMatch(/^\d+ \/ 30 秒$/)

    expect(await cancelLabelLines(page, name)).toBe(1)
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(1200)

    await cancelViaApi(page, name)
  })
})

/**
 * The worker panel and the Re-run button in a real Chromium, against the real API, real worker
 * processes and the Vite dev server (see app.ts). The cases run in order: the first ones use
 * the single worker `worker-e2e-workers`; the last starts and stops a second worker.
 * Screenshots go to test-output/browser.
 */
import path from "node:path"
import type { Locator, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { outputDir, PHONE, type RunningApp, startApp } from "./app"
import {
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

const WORKER_ID = "worker-e2e-workers"
const CONCURRENCY = 2

let app: RunningApp

beforeAll(async () => {
  app = await startApp({
    logPrefix: "workers",
    workers: [{ id: WORKER_ID.replace(/^worker-/, ""), concurrency: CONCURRENCY }],
  })
}, 120_000)

afterAll(async () => {
  await app?.stop()
}, 60_000)

interface Labels extends FormLabels {
  readonly workersHeading: string
  readonly alive: string
  readonly rerun: string
}

const english: Labels = {
  ...englishForm,
  workersHeading: "Workers",
  alive: "alive",
  rerun: "Re-run",
}

const japanese: Labels = {
  ...japaneseForm,
  workersHeading: "ワーカー",
  alive: "稼働中",
  rerun: "再実行",
}

/** The worker panel: the region named by its heading, holding the list of workers. */
const panelOf = (page: Page, labels: Labels): Locator =>
  page.getByRole("region", { name: labels.workersHeading, exact: true })

const workerCard = (page: Page, labels: Labels, workerId: string): Locator =>
  panelOf(page, labels)
    .getByRole("list", { name: labels.workersHeading, exact: true })
    .locator(`:scope > li[data-worker-id="${workerId}"]`)

const jobOnWorker = (card: Locator, jobName: string): Locator =>
  card.locator(`li[data-job-name="${jobName}"]`)

/** A row's Re-run button; its name is the label and, for screen readers, the job's name. */
const rerunButton = (row: Locator, labels: Labels): Locator =>
  row.getByRole("button", { name: new RegExp(`^${labels.rerun}`) })

describe("worker panel in English", () => {
  let page: Page

  beforeAll(async () => {
    page = await openPage(app, "en-US")
  }, 60_000)

  afterAll(async () => {
    await page.screenshot({ path: path.join(outputDir, "workers-en-final.png"), fullPage: true })
  })

  it("lists the running worker as alive, with its free slots", async () => {
    const card = workerCard(page, english, WORKER_ID)
    await card.waitFor()

    expect(await card.getAttribute("data-worker-state")).toBe("alive")
    expect(await card.textContent()).toContain("alive")
    expect(await card.locator(".worker__slots").textContent()).toBe(`0 / ${CONCURRENCY} slots busy`)
  })

  it("shows a started job under its worker, then takes it off when the job ends", async () => {
    const name = "e2e-on-worker-4s"
    await submitJob(page, english, name, 4)

    const card = workerCard(page, english, WORKER_ID)
    const entry = jobOnWorker(card, name)
    await entry.waitFor({ timeout: STATE_TIMEOUT_MS })
    await entry.getByRole("progressbar", { name: `Progress of ${name}` }).waitFor()
    const jobId = await rowOf(page, name).getAttribute("data-job-id")
    await page.screenshot({ path: path.join(outputDir, "workers-en.png"), fullPage: true })

    expect(await entry.getAttribute("data-job-id")).toBe(jobId)
    expect(await entry.textContent()).toContain(jobId?.slice(0, 8))
    expect(await card.locator(".worker__slots").textContent()).toBe(`1 / ${CONCURRENCY} slots busy`)
    // The job row names the same worker, in the same text as the panel's card.
    const rowWorker = rowOf(page, name).locator("[data-worker-id]")
    await rowWorker.waitFor()
    expect(await rowWorker.getAttribute("data-worker-id")).toBe(WORKER_ID)
    expect(await rowWorker.textContent()).toContain(
      (await card.locator(".worker__id").textContent()) ?? "missing id",
    )

    await waitForStatus(rowOf(page, name), "COMPLETED")
    await entry.waitFor({ state: "detached", timeout: STATE_TIMEOUT_MS })
    expect(await card.locator(".worker__slots").textContent()).toBe(`0 / ${CONCURRENCY} slots busy`)
  })

  it("re-runs a finished job as a new job that runs to COMPLETED", async () => {
    const name = "e2e-rerun-1s"
    await submitJob(page, english, name, 1)
    const original = rowOf(page, name)
    await waitForStatus(original, "COMPLETED")
    const originalId = await original.getAttribute("data-job-id")

    await rerunButton(original, english).click()

    const copy = page.locator(`tr[data-job-name="${name}"]:not([data-job-id="${originalId}"])`)
    await copy.waitFor({ timeout: STATE_TIMEOUT_MS })
    await waitForStatus(copy, "COMPLETED")
    expect(await rowOf(page, name).count()).toBe(2)
    expect(await rerunButton(copy, english).count()).toBe(1)
  })
})

describe("worker panel in Japanese", () => {
  it("names the worker's state and its running job in Japanese", async () => {
    const page = await openPage(app, "ja-JP")
    const card = workerCard(page, japanese, WORKER_ID)
    await card.waitFor()
    expect(await card.textContent()).toContain(japanese.alive)

    const name = "e2e-ja-worker-4s"
    await submitJob(page, japanese, name, 4)
    const entry = jobOnWorker(card, name)
    await entry.getByRole("progressbar", { name: `${name} の進捗` }).waitFor({
      timeout: STATE_TIMEOUT_MS,
    })
    expect(await card.locator(".worker__slots").textContent()).toBe(
      `使用中スロット 1 / ${CONCURRENCY}`,
    )
    await page.screenshot({ path: path.join(outputDir, "workers-ja.png"), fullPage: true })

    await waitForStatus(rowOf(page, name), "COMPLETED")
    await rerunButton(rowOf(page, name), japanese).waitFor()
    await entry.waitFor({ state: "detached", timeout: STATE_TIMEOUT_MS })
  })
})

describe("worker panel on a phone-sized screen", () => {
  it.each([
    ["en-US", english, "workers-mobile-en"],
    ["ja-JP", japanese, "workers-mobile-ja"],
  ] as const)("in %s fits 390 px with a running job", async (locale, labels, file) => {
    const page = await openPage(app, locale, { viewport: PHONE })
    const name = `e2e-${file}-with-a-rather-long-name-3s`
    await submitJob(page, labels, name, 3)
    const entry = jobOnWorker(workerCard(page, labels, WORKER_ID), name)
    await entry.getByRole("progressbar").waitFor({ timeout: STATE_TIMEOUT_MS })
    await entry.scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(outputDir, `${file}.png`), fullPage: true })

    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(PHONE.width)

    await waitForStatus(rowOf(page, name), "COMPLETED")
  })
})

describe("a second worker that starts and stops", () => {
  it("appears alive, then stays listed as stopped below the alive worker", async () => {
    const page = await openPage(app, "en-US")
    await workerCard(page, english, WORKER_ID).waitFor()

    const second = await app.startWorker({ id: "e2e-second", concurrency: 1 })
    const card = workerCard(page, english, "worker-e2e-second")
    await card.waitFor({ timeout: STATE_TIMEOUT_MS })
    expect(await card.getAttribute("data-worker-state")).toBe("alive")

    await app.stopChild(second)

    await page
      .locator('li[data-worker-id="worker-e2e-second"][data-worker-state="shutdown"]')
      .waitFor({ timeout: STATE_TIMEOUT_MS })
    expect(await card.textContent()).toContain("stopped (shutdown)")
    const cards = await panelOf(page, english).locator("li[data-worker-id]").all()
    const order = await Promise.all(cards.map((item) => item.getAttribute("data-worker-id")))
    expect(order.indexOf(WORKER_ID)).toBeLessThan(order.indexOf("worker-e2e-second"))
    await page.screenshot({ path: path.join(outputDir, "workers-stopped.png"), fullPage: true })
  })
})

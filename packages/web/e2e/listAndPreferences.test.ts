/**
 * The job list's filter, search and load more, the connection status, and the language and
 * theme switches, in a real Chromium against the whole app. No worker runs, so the jobs stay
 * PENDING unless a test cancels them, and every count is known.
 */
import path from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { outputDir, type RunningApp, startApp } from "./app"
import { attributesOf, cancelByApi, createJobByApi, openPage } from "./page"

// 25 stored jobs fill the first page (20) and part of the second.
const BATCH = 25
const CANCELLED = 3
const PAGE_SIZE = 20

let app: RunningApp

const createJob = async (name: string): Promise<string> =>
  (await createJobByApi(app.apiUrl, name, 5)).id

const cancelJob = async (id: string): Promise<void> => {
  expect(await cancelByApi(app.apiUrl, id)).toBe(200)
}

const rows = (page: Page) => page.locator("tbody tr[data-job-id]")

const filterButton = (page: Page, status: string) =>
  page.locator(`button[data-status-filter="${status}"]`)

// Read in the page as an expression string, because this file is compiled without DOM types.
const colours = (page: Page): Promise<{ readonly background: string; readonly text: string }> =>
  page.evaluate(`(() => {
    const style = getComputedStyle(document.querySelector(".panel"))
    return { background: style.backgroundColor, text: style.color }
  })()`)

beforeAll(async () => {
  app = await startApp({ logPrefix: "list", workers: [] })
  const ids: Array<string> = []
  for (let index = 1; index <= BATCH; index += 1) {
    ids.push(await createJob(`batch-${String(index).padStart(2, "0")}`))
  }
  for (const id of ids.slice(0, CANCELLED)) {
    await cancelJob(id)
  }
  await createJob("Quarterly-Report-Alpha")
}, 120_000)

afterAll(async () => {
  await app?.stop()
}, 60_000)

describe("job list filters", () => {
  it("search finds a job by part of its name", async () => {
    const page = await openPage(app, "en-US")

    await page.getByLabel("Search jobs", { exact: true }).fill("report-al")

    await page.locator('tr[data-job-name="Quarterly-Report-Alpha"]').waitFor()
    await expect.poll(() => rows(page).count()).toBe(1)
    await expect.poll(() => filterButton(page, "ALL").getAttribute("data-count")).toBe("1")
    await page.screenshot({ path: path.join(outputDir, "list-search-en.png"), fullPage: true })

    await page.getByRole("button", { name: "Clear search", exact: true }).click()
    await expect.poll(() => rows(page).count()).toBe(PAGE_SIZE)
  })

  it("status filter shows the counts and filters", async () => {
    const page = await openPage(app, "en-US")

    await expect.poll(() => filterButton(page, "ALL").textContent()).toBe(`All (${BATCH + 1})`)
    expect(await filterButton(page, "CANCELLED").textContent()).toBe(`CANCELLED (${CANCELLED})`)
    expect(await filterButton(page, "PENDING").textContent()).toBe(
      `PENDING (${BATCH + 1 - CANCELLED})`,
    )
    expect(await filterButton(page, "ALL").getAttribute("aria-pressed")).toBe("true")

    // Reached and pressed with the keyboard, as a keyboard user would.
    await filterButton(page, "CANCELLED").focus()
    await page.keyboard.press("Enter")

    await expect.poll(() => rows(page).count()).toBe(CANCELLED)
    expect(await filterButton(page, "CANCELLED").getAttribute("aria-pressed")).toBe("true")
    const statuses = await attributesOf(page.locator("tbody tr [data-status]"), "data-status")
    expect(new Set(statuses)).toEqual(new Set(["CANCELLED"]))

    await filterButton(page, "RUNNING").click()
    await page.getByText("No job is RUNNING.").waitFor()
  })

  it("load more adds the next page and a job created meanwhile appears once on top", async () => {
    const page = await openPage(app, "en-US")
    await expect.poll(() => rows(page).count()).toBe(PAGE_SIZE)

    const liveId = await createJob("arrived-while-paging")
    await page.locator(`tr[data-job-id="${liveId}"]`).waitFor()
    expect(await rows(page).first().getAttribute("data-job-id")).toBe(liveId)
    await expect.poll(() => filterButton(page, "ALL").textContent()).toBe(`All (${BATCH + 2})`)

    await page.getByRole("button", { name: "Load more", exact: true }).click()

    await expect.poll(() => rows(page).count()).toBe(BATCH + 2)
    const ids = await attributesOf(page.locator("tbody tr[data-job-id]"), "data-job-id")
    expect(new Set(ids).size).toBe(BATCH + 2)
    expect(ids.filter((id) => id === liveId)).toHaveLength(1)
    expect(await page.getByRole("button", { name: "Load more", exact: true }).count()).toBe(0)
  })
})

describe("job selection", () => {
  it("clicking a job name selects it and a reload keeps it", async () => {
    const page = await openPage(app, "en-US")
    const row = page.locator('tr[data-job-name="Quarterly-Report-Alpha"]')
    const jobId = await row.getAttribute("data-job-id")
    const detail = page.getByRole("region", { name: "Job: Quarterly-Report-Alpha", exact: true })

    await row.getByRole("link").click()

    await expect.poll(() => page.evaluate<string>("window.location.hash")).toBe(`#/jobs/${jobId}`)
    expect(await detail.getAttribute("data-job-id")).toBe(jobId)
    await page.reload()
    await page.locator('[data-connection="open"]').waitFor()
    expect(await detail.getAttribute("data-job-id")).toBe(jobId)
  })
})

describe("connection status", () => {
  it("shows connected and the age of the last keep-alive", async () => {
    const page = await openPage(app, "en-US")

    const status = page.locator("[data-connection]")
    expect(await status.getAttribute("data-connection")).toBe("open")
    expect(await status.getByRole("status").textContent()).toBe("Live updates on")
    await expect
      .poll(() => status.locator(".connection__keep-alive").textContent())
      .toMatch(/^last keep-alive \d+ s ago$/)
  })
})

describe("language and theme switches", () => {
  it("language switch changes the texts and is remembered after reload", async () => {
    const page = await openPage(app, "en-US")
    await page.getByRole("heading", { name: "Jobs", exact: true }).waitFor()

    await page.getByLabel("Language", { exact: true }).selectOption("ja")

    await page.getByRole("heading", { name: "ジョブ一覧", exact: true }).waitFor()
    expect(await page.locator("html").getAttribute("lang")).toBe("ja")
    await page.getByLabel("ジョブを検索", { exact: true }).fill("report")
    await page.locator('tr[data-job-name="Quarterly-Report-Alpha"]').waitFor()
    await filterButton(page, "PENDING").click()
    await expect.poll(() => rows(page).count()).toBe(1)
    await page.screenshot({
      path: path.join(outputDir, "list-filter-search-ja.png"),
      fullPage: true,
    })

    await page.reload()

    await page.getByRole("heading", { name: "ジョブ一覧", exact: true }).waitFor()
    expect(await page.locator("html").getAttribute("lang")).toBe("ja")
    expect(await page.getByLabel("言語", { exact: true }).inputValue()).toBe("ja")
  })

  it("dark mode switch changes the colours and is remembered", async () => {
    const page = await openPage(app, "en-US")
    await page.getByLabel("Search jobs", { exact: true }).fill("batch")
    await filterButton(page, "CANCELLED").click()
    await expect.poll(() => rows(page).count()).toBe(CANCELLED)
    await page.screenshot({
      path: path.join(outputDir, "list-filter-search-en.png"),
      fullPage: true,
    })
    const light = await colours(page)

    await page.getByLabel("Theme", { exact: true }).selectOption("dark")

    await expect.poll(() => colours(page)).not.toEqual(light)
    const dark = await colours(page)
    expect(await page.locator("html").getAttribute("data-theme")).toBe("dark")
    expect(dark.background).toBe("rgb(22, 27, 34)")
    expect(dark.text).toBe("rgb(230, 237, 243)")
    await page.screenshot({ path: path.join(outputDir, "dark-en.png"), fullPage: true })

    await page.getByLabel("Language", { exact: true }).selectOption("ja")
    await page.getByRole("heading", { name: "ジョブ一覧", exact: true }).waitFor()
    await page.screenshot({ path: path.join(outputDir, "dark-ja.png"), fullPage: true })

    await page.reload()
    await page.getByRole("heading", { name: "ジョブ一覧", exact: true }).waitFor()
    expect(await colours(page)).toEqual(dark)
  })
})

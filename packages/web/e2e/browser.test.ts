/**
 * The whole app in a real Chromium: the API server, one worker and the Vite dev server run as
 * child processes on free ports, reached through 127.0.0.1, against a throwaway database and a
 * Redis channel of this file's own. Screenshots and the children's logs go to test-output/browser.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { closedPort } from "../../adapters/test/support/Network"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../adapters/test/support/TestRedis"
import { type Child, startProcess, stopProcess, waitForHttp } from "./processes"
import { waitForSubscribers } from "./redis"

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))
const webDir = path.join(repoRoot, "packages", "web")
const outputDir = path.join(repoRoot, "test-output", "browser")
const viteBin = path.join(webDir, "node_modules", "vite", "bin", "vite.js")

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

// Generous bounds for a job to reach a status: they cover a slow machine, not a speed claim.
const STATUS_TIMEOUT_MS = 20_000

const children: Array<Child> = []
const profileDirs: Array<string> = []
const contexts: Array<BrowserContext> = []
let database: TestDatabase | undefined
let apiUrl = ""
let webOrigin = ""

interface Viewport {
  readonly width: number
  readonly height: number
}

const DESKTOP: Viewport = { width: 1100, height: 800 }
const PHONE: Viewport = { width: 390, height: 844 }

/**
 * Opens Chromium with a fresh profile. Playwright takes the profile directory as a parameter
 * and refuses a --user-data-dir argument, so each locale gets its own persistent context.
 */
const openBrowser = async (locale: string, viewport = DESKTOP): Promise<BrowserContext> => {
  const profileDir = mkdtempSync(path.join(tmpdir(), "jobs-e2e-chromium-"))
  profileDirs.push(profileDir)
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    locale,
    viewport,
  })
  contexts.push(context)
  return context
}

const rowOf = (page: Page, jobName: string) => page.locator(`tr[data-job-name="${jobName}"]`)

const waitForStatus = (page: Page, jobName: string, status: string) =>
  rowOf(page, jobName).locator(`[data-status="${status}"]`).waitFor({ timeout: STATUS_TIMEOUT_MS })

interface FormLabels {
  readonly name: string
  readonly duration: string
  readonly submit: string
}

const english: FormLabels = { name: "Name", duration: "Duration (seconds)", submit: "Create job" }
const japanese: FormLabels = { name: "名前", duration: "実行時間（秒）", submit: "ジョブを作成" }

const submitJob = async (page: Page, labels: FormLabels, name: string, duration: number) => {
  await page.getByLabel(labels.name, { exact: true }).fill(name)
  await page.getByLabel(labels.duration, { exact: true }).fill(String(duration))
  await page.getByRole("button", { name: labels.submit, exact: true }).click()
}

/** A name of 100 characters with no spaces, the longest that JobName accepts. */
const longName = (prefix: string): string => prefix + "x".repeat(100 - prefix.length)

// The checks below run in the page as expression strings, because this file is compiled
// without the DOM types.
const pageScrollWidth = (page: Page): Promise<number> =>
  page.evaluate<number>("document.documentElement.scrollWidth")

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
  const response = await fetch(`${apiUrl}/api/jobs/${jobId}/cancel`, { method: "POST" })
  await response.body?.cancel()
}

beforeAll(async () => {
  mkdirSync(outputDir, { recursive: true })
  // The API and the worker apply the migrations themselves when they start.
  database = await createTestDatabase()
  const eventsChannel = uniqueChannel("job_events_e2e")

  const apiPort = await closedPort()
  const webPort = await closedPort()
  apiUrl = `http://127.0.0.1:${apiPort}`
  webOrigin = `http://127.0.0.1:${webPort}`

  const serviceEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    REDIS_URL,
    EVENTS_CHANNEL: eventsChannel,
    LOG_LEVEL: "info",
  }

  const api = startProcess({
    name: "api",
    command: process.execPath,
    args: ["--import", "tsx", "packages/server/src/main.ts"],
    cwd: repoRoot,
    env: { ...serviceEnv, PORT: String(apiPort), CORS_ORIGINS: webOrigin },
    logDir: outputDir,
  })
  children.push(api)
  await waitForHttp(`${apiUrl}/api/health`, api)

  const worker = startProcess({
    name: "worker",
    command: process.execPath,
    args: ["--import", "tsx", "packages/worker/src/main.ts"],
    cwd: repoRoot,
    env: { ...serviceEnv, WORKER_ID: "e2e" },
    logDir: outputDir,
  })
  children.push(worker)
  // The API and the worker each hold one subscribed connection to the channel.
  await waitForSubscribers(eventsChannel, 2, worker)

  // Vite's own binary rather than `npx vite`: npx runs it under npm and a shell, so the PID
  // this test has would not be the server's and a SIGTERM would not reach it.
  const web = startProcess({
    name: "web",
    command: process.execPath,
    args: [viteBin, "--port", String(webPort), "--strictPort", "--host", "127.0.0.1"],
    cwd: webDir,
    env: { ...process.env, API_URL: apiUrl },
    logDir: outputDir,
  })
  children.push(web)
  await waitForHttp(`${webOrigin}/`, web)
}, 120_000)

afterAll(async () => {
  for (const context of contexts) {
    await context.close()
  }
  for (const child of [...children].reverse()) {
    const outcome = await stopProcess(child)
    console.info(`${child.name} stopped: ${outcome}`)
  }
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
  for (const dir of profileDirs) {
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)

describe("job page in English", () => {
  let page: Page
  const eventStreamRequests: Array<string> = []
  let pageLoads = 0

  beforeAll(async () => {
    const context = await openBrowser("en-US")
    page = await context.newPage()
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/events") {
        eventStreamRequests.push(request.url())
      }
    })
    page.on("load", () => {
      pageLoads += 1
    })
    await page.goto(webOrigin)
    await page.locator('[data-connection="open"]').waitFor()
  }, 60_000)

  // Taken after the steps, passed or not, so that a failure can be seen too.
  afterAll(async () => {
    await page.screenshot({ path: path.join(outputDir, "jobs.png"), fullPage: true })
  })

  it("shows a new job become RUNNING and then COMPLETED without a reload", async () => {
    await submitJob(page, english, "e2e-2s", 2)

    await waitForStatus(page, "e2e-2s", "RUNNING")
    await waitForStatus(page, "e2e-2s", "COMPLETED")

    expect(pageLoads).toBe(1)
    expect(
      await rowOf(page, "e2e-2s")
        .getByRole("button", { name: /^Cancel/ })
        .count(),
    ).toBe(0)
  })

  it("cancels a running job with its Cancel button", async () => {
    await submitJob(page, english, "e2e-20s", 20)
    await waitForStatus(page, "e2e-20s", "RUNNING")

    await rowOf(page, "e2e-20s")
      .getByRole("button", { name: /^Cancel/ })
      .click()

    await waitForStatus(page, "e2e-20s", "CANCELLED")
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
    expect(await alert.textContent()).toContain("name: must not be empty or only spaces")
  })

  it("opens exactly one event stream for the page", () => {
    expect(eventStreamRequests).toHaveLength(1)
    expect(pageLoads).toBe(1)
  })
})

describe("progress bar of a running job", () => {
  let page: Page

  beforeAll(async () => {
    const context = await openBrowser("en-US")
    page = await context.newPage()
    await page.goto(webOrigin)
    await page.locator('[data-connection="open"]').waitFor()
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
    await waitForStatus(page, name, "RUNNING")
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
    await rowOf(page, name).getByRole("progressbar").waitFor({ timeout: STATUS_TIMEOUT_MS })

    await rowOf(page, name)
      .getByRole("button", { name: /^Cancel/ })
      .click()

    await waitForStatus(page, name, "CANCELLED")
    expect(await rowOf(page, name).getByRole("progressbar").count()).toBe(0)
  })
})

describe("cancel refused by the API", () => {
  it("shows the API's 409 message and then the job's real status", async () => {
    const context = await openBrowser("en-US")
    const page = await context.newPage()
    // Without the event stream the page keeps showing the job as it was, Cancel button included.
    await page.route("**/api/events", (route) => route.abort())
    await page.goto(webOrigin)

    await submitJob(page, english, "e2e-stale", 20)
    const row = rowOf(page, "e2e-stale")
    await row.locator('[data-status="PENDING"]').waitFor()
    const jobId = await row.getAttribute("data-job-id")
    const cancelled = await fetch(`${apiUrl}/api/jobs/${jobId}/cancel`, { method: "POST" })
    expect(cancelled.status).toBe(200)

    await row.getByRole("button", { name: /^Cancel/ }).click()

    const alert = page.getByRole("alert")
    await alert.waitFor()
    expect(await alert.textContent()).toContain(
      `"e2e-stale" was not cancelled: job ${jobId} is CANCELLED and cannot become CANCELLED`,
    )
    await waitForStatus(page, "e2e-stale", "CANCELLED")
  })
})

describe("job page in Japanese", () => {
  it("labels the page and the statuses in Japanese for a ja-JP browser", async () => {
    const context = await openBrowser("ja-JP")
    const page = await context.newPage()
    await page.goto(webOrigin)

    expect(await page.locator("html").getAttribute("lang")).toBe("ja")
    await page.getByRole("heading", { name: "ジョブ一覧" }).waitFor()

    await submitJob(page, japanese, "e2e-ja-1s", 1)
    await waitForStatus(page, "e2e-ja-1s", "COMPLETED")
    expect(await rowOf(page, "e2e-ja-1s").textContent()).toContain("完了")

    await page.screenshot({ path: path.join(outputDir, "jobs-ja.png"), fullPage: true })
  })
})

describe("page on a phone-sized screen", () => {
  it.each([
    ["en-US", english, "mobile-en", "Cancel"],
    ["ja-JP", japanese, "mobile-ja", "キャンセル"],
  ] as const)("in %s fits 390 px with a long job name", async (locale, labels, file, cancel) => {
    const context = await openBrowser(locale, PHONE)
    const page = await context.newPage()
    await page.goto(webOrigin)
    const name = longName(`e2e-${file}-`)

    await submitJob(page, labels, name, 30)
    await rowOf(page, name).waitFor()
    const cancelButton = rowOf(page, name).getByRole("button", { name: new RegExp(`^${cancel}`) })
    await cancelButton.waitFor()
    // The width checks below then cover the progress bar of the RUNNING job too.
    await rowOf(page, name).getByRole("progressbar").waitFor({ timeout: STATUS_TIMEOUT_MS })
    await page.screenshot({ path: path.join(outputDir, `${file}.png`), fullPage: true })

    // The table scrolls inside its card, so the page itself never scrolls sideways.
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(PHONE.width)
    expect(await cancelLabelLines(page, name)).toBe(1)

    await cancelViaApi(page, name)
  })
})

describe("long job name on a wide screen", () => {
  it("keeps the Japanese Cancel button on one line", async () => {
    const context = await openBrowser("ja-JP", { width: 1200, height: 800 })
    const page = await context.newPage()
    await page.goto(webOrigin)
    const name = longName("e2e-wide-ja-")

    await submitJob(page, japanese, name, 30)
    const cancelButton = rowOf(page, name).getByRole("button", { name: /^キャンセル/ })
    await cancelButton.waitFor()
    const progress = rowOf(page, name).locator(".progress")
    await progress.getByRole("progressbar").waitFor({ timeout: STATUS_TIMEOUT_MS })
    expect(await progress.textContent()).toMatch(/^\d+ \/ 30 秒$/)

    expect(await cancelLabelLines(page, name)).toBe(1)
    expect(await pageScrollWidth(page)).toBeLessThanOrEqual(1200)

    await cancelViaApi(page, name)
  })
})

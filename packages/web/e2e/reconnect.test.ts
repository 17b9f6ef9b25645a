/**
 * How a tab recovers after its event stream breaks, in a real Chromium. The page reloads its
 * first page of jobs each time the stream opens and applies events by job version, so it must
 * show the database's state again without a reload, even when the events of the outage are
 * lost.
 *
 * The API server, one worker and the Vite dev server run as child processes (see app.ts)
 * against a throwaway database and a Redis channel of this file's own. The API is killed and
 * started again on the same port, behind the Vite proxy the page talks to. The cases run in
 * order on one page. Screenshots and the children's logs go to test-output/browser.
 */
import { appendFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { Effect, Exit, Scope } from "effect"
import type { Page, Response } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rawRedisClient } from "../../adapters/test/support/TestRedis"
import { outputDir, type RunningApp, startApp } from "./app"
import { cancelByApi, createJobByApi, rowOf, type StoredJob, waitForStatus } from "./page"

// The requirement under test: once the API can serve the stream again, the tab shows the
// database's state within 10 s.
const CONVERGENCE_MS = 10_000

// Records the id of every event the page's EventSources deliver, so that the test can check
// that no event reached the page twice (two live streams would deliver each event twice).
// The page is compiled with the DOM types and this file is not, hence a string.
const RECORD_EVENT_IDS = `(() => {
  const NativeEventSource = window.EventSource
  window.__receivedEventIds = []
  window.EventSource = class extends NativeEventSource {
    constructor(url, init) {
      super(url, init)
      this.addEventListener("message", (message) => {
        window.__receivedEventIds.push(message.lastEventId)
      })
    }
  }
})()`

let app: RunningApp
let redisScope: Scope.CloseableScope | undefined

/**
 * The job events published on this file's channel, read by a subscriber of the test's own.
 * The test waits on them while no API process is running.
 */
const publishedEvents: Array<{ readonly jobId: string; readonly eventType: string }> = []
const eventWaiters = new Set<() => void>()

const waitForPublished = (jobId: string, eventType: string): Promise<void> =>
  new Promise((resolve) => {
    const check = () => {
      if (publishedEvents.some((seen) => seen.jobId === jobId && seen.eventType === eventType)) {
        eventWaiters.delete(check)
        resolve()
      }
    }
    eventWaiters.add(check)
    check()
  })

const subscribeToChannel = async (): Promise<void> => {
  const scope = Effect.runSync(Scope.make())
  redisScope = scope
  const client = await Effect.runPromise(Scope.extend(rawRedisClient, scope))
  client.on("message", (_channel: string, message: string) => {
    const envelope = JSON.parse(message) as { job_id: string; event_type: string }
    publishedEvents.push({ jobId: envelope.job_id, eventType: envelope.event_type })
    for (const waiter of [...eventWaiters]) {
      waiter()
    }
  })
  await client.subscribe(app.eventsChannel)
}

const createJob = (name: string, durationSeconds: number): Promise<StoredJob> =>
  createJobByApi(app.apiUrl, name, durationSeconds)

const storedJob = async (id: string): Promise<StoredJob> => {
  const response = await fetch(`${app.apiUrl}/api/jobs/${id}`)
  expect(response.status).toBe(200)
  return (await response.json()) as StoredJob
}

const storedJobs = async (): Promise<ReadonlyArray<StoredJob>> => {
  const response = await fetch(`${app.apiUrl}/api/jobs?limit=100`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { items: ReadonlyArray<StoredJob> }).items
}

/**
 * Opens GET /api/events directly on the API, not through the proxy, and keeps it open until
 * `release` is called. With SSE_MAX_CLIENTS=1 it takes the API's only place for a stream.
 */
const holdEventStream = async (): Promise<{
  readonly response: globalThis.Response
  readonly release: () => void
}> => {
  const controller = new AbortController()
  const response = await fetch(`${app.apiUrl}/api/events`, { signal: controller.signal })
  // fetch cancels the unread body of a Response that is garbage collected, which would free
  // the API's only place before the test releases it. So the holder keeps the Response reachable.
  return { response, release: () => controller.abort() }
}

/** The status the page shows for a job, read from its badge. */
const statusShown = (page: Page, jobName: string): Promise<string | null> =>
  rowOf(page, jobName).locator("[data-status]").getAttribute("data-status")

/** Waits until the page shows the job in the state stored in the database. */
const waitForStoredState = (page: Page, job: StoredJob): Promise<void> =>
  page
    .locator(`tr[data-job-id="${job.id}"][data-version="${job.version}"]`)
    .locator(`[data-status="${job.status}"]`)
    .waitFor({ timeout: CONVERGENCE_MS })

const isEventStream = (response: Response, status: number): boolean =>
  new URL(response.url()).pathname === "/api/events" && response.status() === status

const pageLogFile = path.join(outputDir, "reconnect-page.log")

/**
 * Writes the page's console messages and every request to /api/events with its outcome to
 * reconnect-page.log, to tell after a failure what the page saw and when.
 */
const recordPageLog = (page: Page): void => {
  writeFileSync(pageLogFile, "")
  const write = (line: string) =>
    appendFileSync(pageLogFile, `${new Date().toISOString()} ${line}\n`)
  const isEvents = (url: string) => new URL(url).pathname === "/api/events"
  page.on("console", (message) => write(`console.${message.type()}: ${message.text()}`))
  page.on("request", (request) => {
    if (isEvents(request.url())) {
      write("GET /api/events sent")
    }
  })
  page.on("response", (response) => {
    if (isEvents(response.url())) {
      write(`GET /api/events answered ${response.status()}`)
    }
  })
  page.on("requestfailed", (request) => {
    if (isEvents(request.url())) {
      write(`GET /api/events failed: ${request.failure()?.errorText ?? "unknown error"}`)
    }
  })
  page.on("load", () => write("page loaded"))
}

beforeAll(async () => {
  app = await startApp({ logPrefix: "reconnect", workers: [{ id: "e2e-reconnect" }] })
  await subscribeToChannel()
}, 120_000)

afterAll(async () => {
  await app?.stop()
  if (redisScope !== undefined) {
    await Effect.runPromise(Scope.close(redisScope, Exit.void))
  }
}, 60_000)

describe("tab after its event stream breaks", () => {
  let page: Page
  let pageLoads = 0
  let navigations = 0

  beforeAll(async () => {
    const context = await app.openBrowser("en-US")
    page = await context.newPage()
    // Vite's dev client reloads the page over its HMR WebSocket whenever a source file
    // changes, which other work on the repository can do at any time. The page gets a mock
    // socket that never sends, so every reload counted below is one the app itself made.
    await page.routeWebSocket(
      () => true,
      () => undefined,
    )
    await page.addInitScript(RECORD_EVENT_IDS)
    recordPageLog(page)
    page.on("load", () => {
      pageLoads += 1
    })
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) {
        navigations += 1
      }
    })
    await page.goto(app.webOrigin)
    await page.locator('[data-connection="open"]').waitFor()
  }, 60_000)

  it("shows a job completed while the API was down", async () => {
    const job = await createJob("reconnect-restart-3s", 3)
    await waitForStatus(rowOf(page, job.name), "RUNNING")
    const completed = waitForPublished(job.id, "JobCompleted")

    await app.killApi()
    await page.locator('[data-connection="reconnecting"]').waitFor()
    // The worker finishes the job and publishes JobCompleted while no API subscribes to the
    // channel, so no stream can deliver that event to the page.
    await completed
    expect(await statusShown(page, job.name)).toBe("RUNNING")

    await app.startApi()
    const apiBack = Date.now()
    const stored = await storedJob(job.id)
    expect(stored.status).toBe("COMPLETED")

    await waitForStoredState(page, stored)
    const shownAfter = Date.now() - apiBack
    await page.locator('[data-connection="open"]').waitFor({ timeout: CONVERGENCE_MS })
    const openAfter = Date.now() - apiBack
    console.info(
      `API restart: page showed COMPLETED v${stored.version} ${shownAfter} ms and "open" ${openAfter} ms after the new API answered its health check`,
    )
    await page.screenshot({ path: path.join(outputDir, "reconnect-restart.png"), fullPage: true })

    expect(pageLoads).toBe(1)
  }, 60_000)

  it("shows a cancel made while its stream got 503", async () => {
    const job = await createJob("reconnect-503-30s", 30)
    await waitForStatus(rowOf(page, job.name), "RUNNING")

    // While the API restarts, the page's stream requests fail in the browser, so that the
    // stream opened by the test below takes the new API's only place first. The new API
    // starts after the page's first failed try, when no request of the page is in flight.
    const firstAbort = new Promise<void>((resolve) => {
      void page.route("**/api/events", async (route) => {
        await route.abort()
        resolve()
      })
    })
    await app.killApi()
    await page.locator('[data-connection="reconnecting"]').waitFor()
    await firstAbort
    await app.startApi({ SSE_MAX_CLIENTS: "1" })
    const holder = await holdEventStream()
    expect(holder.response.status).toBe(200)

    const firstRejection = page.waitForResponse((response) => isEventStream(response, 503))
    await page.unroute("**/api/events")
    await firstRejection

    expect(await cancelByApi(app.apiUrl, job.id)).toBe(200)
    const stored = await storedJob(job.id)
    expect(stored.status).toBe("CANCELLED")

    // Another 503 after the cancel: the page tried again and still has no stream, so it
    // cannot know about the cancel yet.
    await page.waitForResponse((response) => isEventStream(response, 503))
    expect(await statusShown(page, job.name)).toBe("RUNNING")
    await page.screenshot({ path: path.join(outputDir, "reconnect-503-refused.png") })

    holder.release()
    const placeFreed = Date.now()
    await waitForStoredState(page, stored)
    const shownAfter = Date.now() - placeFreed
    await page.locator('[data-connection="open"]').waitFor({ timeout: CONVERGENCE_MS })
    const openAfter = Date.now() - placeFreed
    console.info(
      `503: page showed CANCELLED v${stored.version} ${shownAfter} ms and "open" ${openAfter} ms after the held stream was closed`,
    )
    await page.screenshot({ path: path.join(outputDir, "reconnect-503.png"), fullPage: true })

    expect(pageLoads).toBe(1)
  }, 60_000)

  it("shows every job at its database version after the reconnects", async () => {
    // A job created now reaches the page over the reopened stream alone.
    const created = await createJob("reconnect-after-1s", 1)
    await waitForPublished(created.id, "JobCompleted")
    await waitForStoredState(page, await storedJob(created.id))

    const stored = await storedJobs()
    expect(stored).toHaveLength(3)
    for (const job of stored) {
      const row = page.locator(`tr[data-job-id="${job.id}"]`)
      expect(await row.getAttribute("data-version")).toBe(String(job.version))
      expect(await row.locator("[data-status]").getAttribute("data-status")).toBe(job.status)
    }
    await page.screenshot({ path: path.join(outputDir, "reconnect-final.png"), fullPage: true })

    const eventIds = await page.evaluate<ReadonlyArray<string>>("window.__receivedEventIds")
    expect(eventIds.length).toBeGreaterThan(0)
    expect(new Set(eventIds).size).toBe(eventIds.length)
    expect(pageLoads).toBe(1)
    expect(navigations).toBe(1)
  })
})

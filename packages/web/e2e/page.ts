/**
 * What the browser tests do on a page of the app and against its API: open a tab, fill the
 * job form, find a job's row or status, and create or cancel a job over HTTP.
 */
import type { Locator, Page } from "playwright-core"
import { expect } from "vitest"
import type { RunningApp, Viewport } from "./app"

// Generous bounds for a job or a worker to reach a state: they cover a slow machine, not a
// speed claim.
export const STATE_TIMEOUT_MS = 20_000

/** The labels of the job form's fields and button in one language. */
export interface FormLabels {
  readonly name: string
  readonly duration: string
  readonly submit: string
}

export const englishForm: FormLabels = {
  name: "Name",
  duration: "Duration (seconds)",
  submit: "Create job",
}

export const japaneseForm: FormLabels = {
  name: "名前",
  duration: "実行時間（秒）",
  submit: "ジョブを作成",
}

/** Fills in the job form and presses its button, as a user would. */
export const submitJob = async (page: Page, labels: FormLabels, name: string, duration: number) => {
  await page.getByLabel(labels.name, { exact: true }).fill(name)
  await page.getByLabel(labels.duration, { exact: true }).fill(String(duration))
  await page.getByRole("button", { name: labels.submit, exact: true }).click()
}

/**
 * Opens the app in a tab of a fresh browser, at `hash` if given, and waits until the page's
 * event stream is open.
 */
export const openPage = async (
  app: RunningApp,
  locale: string,
  options: { readonly hash?: string; readonly viewport?: Viewport } = {},
): Promise<Page> => {
  const context = await app.openBrowser(locale, options.viewport)
  const page = await context.newPage()
  await page.goto(`${app.webOrigin}/${options.hash ?? ""}`)
  await page.locator('[data-connection="open"]').waitFor()
  return page
}

export const rowOf = (page: Page, jobName: string): Locator =>
  page.locator(`tr[data-job-name="${jobName}"]`)

/** Waits until `scope` (a job's row or its detail) shows a badge with `status`. */
export const waitForStatus = (scope: Locator, status: string): Promise<void> =>
  scope.locator(`[data-status="${status}"]`).first().waitFor({ timeout: STATE_TIMEOUT_MS })

/** One attribute of every matching element, in page order. */
export const attributesOf = async (items: Locator, name: string) =>
  Promise.all((await items.all()).map((item) => item.getAttribute(name)))

// Read in the page as an expression string, because this folder is compiled without the DOM
// types.
export const pageScrollWidth = (page: Page): Promise<number> =>
  page.evaluate<number>("document.documentElement.scrollWidth")

/** A job as the API returns it. */
export interface StoredJob {
  readonly id: string
  readonly name: string
  readonly status: string
  readonly version: number
}

/** Creates a job through the API and expects 201. */
export const createJobByApi = async (
  apiUrl: string,
  name: string,
  durationSeconds: number,
): Promise<StoredJob> => {
  const response = await fetch(`${apiUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, durationSeconds }),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as StoredJob
}

/** Asks the API to cancel a job and returns the HTTP status; the caller decides what it expects. */
export const cancelByApi = async (apiUrl: string, jobId: string): Promise<number> => {
  const response = await fetch(`${apiUrl}/api/jobs/${jobId}/cancel`, { method: "POST" })
  await response.body?.cancel()
  return response.status
}

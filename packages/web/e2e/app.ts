/**
 * The whole app for a browser test: the API server, workers and the Vite dev server as child
 * processes on free ports, reached through 127.0.0.1, against a throwaway database and a Redis
 * channel of the test's own. Chromium gets a fresh profile per context. The API can be
 * killed and started again on the same port, behind the Vite proxy the page talks to. The
 * children's logs go to test-output/browser.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium } from "playwright-core"
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
const viteBin = path.join(webDir, "node_modules", "vite", "bin", "vite.js")

export const outputDir = path.join(repoRoot, "test-output", "browser")

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

export interface Viewport {
  readonly width: number
  readonly height: number
}

export const DESKTOP: Viewport = { width: 1100, height: 800 }
export const PHONE: Viewport = { width: 390, height: 844 }

export interface WorkerOptions {
  /** WORKER_ID; the worker's id on the page is `worker-<id>`. */
  readonly id: string
  /** WORKER_CONCURRENCY; without it the worker runs with its own default. */
  readonly concurrency?: number
}

export interface RunningApp {
  readonly apiUrl: string
  readonly webOrigin: string
  /** The Redis channel the API and the workers publish job events on. */
  readonly eventsChannel: string
  /** Kills the running API with SIGKILL, as a crash would, and waits for it to exit. */
  readonly killApi: () => Promise<void>
  /**
   * Starts a new API on the same port, with `extraEnv` on top of the usual environment, and
   * resolves once its health check returns 200. Fails if an API is still running.
   */
  readonly startApi: (extraEnv?: NodeJS.ProcessEnv) => Promise<void>
  /** Starts one more worker and resolves once it listens for job events. */
  readonly startWorker: (options: WorkerOptions) => Promise<Child>
  /** Stops a worker with SIGTERM (SIGKILL after a grace period) and returns how it ended. */
  readonly stopChild: (child: Child) => Promise<string>
  readonly openBrowser: (locale: string, viewport?: Viewport) => Promise<BrowserContext>
  /** Closes the browsers, stops every child in reverse start order and drops the database. */
  readonly stop: () => Promise<void>
}

/**
 * Starts the API, one worker per entry of `workers` and the Vite dev server. `logPrefix` keeps
 * the log files of two test files apart.
 */
export const startApp = async (options: {
  readonly logPrefix: string
  readonly workers: ReadonlyArray<WorkerOptions>
}): Promise<RunningApp> => {
  mkdirSync(outputDir, { recursive: true })
  const children: Array<Child> = []
  const contexts: Array<BrowserContext> = []
  const profileDirs: Array<string> = []
  let database: TestDatabase | undefined

  const stop = async () => {
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
  }

  try {
    // The API and the workers apply the migrations themselves when they start.
    database = await createTestDatabase()
    const eventsChannel = uniqueChannel("job_events_e2e")
    const apiPort = await closedPort()
    const webPort = await closedPort()
    const apiUrl = `http://127.0.0.1:${apiPort}`
    const webOrigin = `http://127.0.0.1:${webPort}`
    const serviceEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL,
      EVENTS_CHANNEL: eventsChannel,
      LOG_LEVEL: "info",
    }

    // The API keeps one subscribed connection to the channel, and each worker one more.
    let subscribers = 0
    let api: Child | undefined
    let apiStarts = 0
    const startApi = async (extraEnv: NodeJS.ProcessEnv = {}): Promise<void> => {
      if (api !== undefined) {
        throw new Error(`${api.name} is still running`)
      }
      apiStarts += 1
      const child = startProcess({
        // The first API keeps the plain name; each restart gets a log file of its own.
        name: `${options.logPrefix}-api${apiStarts === 1 ? "" : `-${apiStarts}`}`,
        command: process.execPath,
        args: ["--import", "tsx", "packages/server/src/main.ts"],
        cwd: repoRoot,
        env: { ...serviceEnv, PORT: String(apiPort), CORS_ORIGINS: webOrigin, ...extraEnv },
        logDir: outputDir,
      })
      children.push(child)
      api = child
      subscribers += 1
      await waitForHttp(`${apiUrl}/api/health`, child)
    }
    const killApi = async (): Promise<void> => {
      if (api === undefined) {
        throw new Error("no API process is running")
      }
      api.process.kill("SIGKILL")
      await api.exited
      api = undefined
      subscribers -= 1
    }
    await startApi()

    const startWorker = async (worker: WorkerOptions): Promise<Child> => {
      const child = startProcess({
        name: `${options.logPrefix}-worker-${worker.id}`,
        command: process.execPath,
        args: ["--import", "tsx", "packages/worker/src/main.ts"],
        cwd: repoRoot,
        env: {
          ...serviceEnv,
          WORKER_ID: worker.id,
          ...(worker.concurrency === undefined
            ? {}
            : { WORKER_CONCURRENCY: String(worker.concurrency) }),
        },
        logDir: outputDir,
      })
      children.push(child)
      subscribers += 1
      await waitForSubscribers(eventsChannel, subscribers, child)
      return child
    }
    const stopChild = async (child: Child): Promise<string> => {
      const outcome = await stopProcess(child)
      subscribers -= 1
      return outcome
    }
    for (const worker of options.workers) {
      await startWorker(worker)
    }

    // Vite's own binary rather than `npx vite`: npx runs it under npm and a shell, so the PID
    // held here would not be the server's and a SIGTERM would not reach it.
    const web = startProcess({
      name: `${options.logPrefix}-web`,
      command: process.execPath,
      args: [viteBin, "--port", String(webPort), "--strictPort", "--host", "127.0.0.1"],
      cwd: webDir,
      env: { ...process.env, API_URL: apiUrl },
      logDir: outputDir,
    })
    children.push(web)
    await waitForHttp(`${webOrigin}/`, web)

    // Playwright takes the profile directory as a parameter and refuses a --user-data-dir
    // argument, so each context is a persistent one with a directory of its own.
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

    return {
      apiUrl,
      webOrigin,
      eventsChannel,
      killApi,
      startApi,
      startWorker,
      stopChild,
      openBrowser,
      stop,
    }
  } catch (error) {
    // A start that fails halfway must not leave processes or the database behind.
    await stop()
    throw error
  }
}

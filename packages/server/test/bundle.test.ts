/**
 * The bundles of `bun run build` run with plain `node`, as production runs them: the
 * migration command applies the schema, the API server serves requests and the worker
 * runs a job. The build writes to a folder of this run under test-output/, so the
 * dist/ folders that a benchmark may be starting from are left alone.
 */
import { execFile } from "node:child_process"
import { readFile, rm } from "node:fs/promises"
import path from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, expect, it, onTestFailed } from "vitest"
import { closedPort } from "../../adapters/test/support/Network"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../adapters/test/support/TestRedis"
import {
  describeOutputs,
  exitWithin,
  killIfRunning,
  ROOT_DIR,
  type RunningProcess,
  startProcess,
} from "./support/Processes"

const execFileAsync = promisify(execFile)

// esbuild takes a few seconds on an idle machine, and several times that on two busy cores.
const BUILD_WAIT_MILLIS = 180_000
const STOP_WAIT_MILLIS = 10_000
const JOB_WAIT_MILLIS = 15_000

const outDir = path.join(ROOT_DIR, "test-output", `bundles-${process.pid}`)
const serverBundle = path.join(outDir, "server", "main.js")
const migrateBundle = path.join(outDir, "server", "migrate.js")
const workerBundle = path.join(outDir, "worker", "main.js")

let database: TestDatabase
let env: Record<string, string>
let baseUrl: string
let server: RunningProcess | undefined
let worker: RunningProcess | undefined

beforeAll(async () => {
  await execFileAsync(process.execPath, ["scripts/build.mjs", "--out-dir", outDir], {
    cwd: ROOT_DIR,
  })
  database = await createTestDatabase()
  env = { DATABASE_URL: database.url, REDIS_URL, EVENTS_CHANNEL: uniqueChannel() }
  baseUrl = `http://127.0.0.1:${await closedPort()}`
}, BUILD_WAIT_MILLIS)

afterAll(async () => {
  await killIfRunning(server)
  await killIfRunning(worker)
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
  await rm(outDir, { recursive: true, force: true })
})

const printOutputsOnFailure = () =>
  onTestFailed(() => {
    console.error(describeOutputs([server, worker]))
  })

// A single character beyond Latin-1 makes V8 keep the whole bundle source as a two-byte
// string, twice the memory, for the life of the process.
it.each([
  ["server", () => serverBundle],
  ["migrate", () => migrateBundle],
  ["worker", () => workerBundle],
])("bundled %s source is Latin-1 only", async (_name, bundle) => {
  const source = await readFile(bundle(), "utf8")
  const beyondLatin1 = /[\u{100}-\u{10ffff}]/u.exec(source)

  expect(beyondLatin1?.[0]).toBeUndefined()
})

it("bundled migrate applies the migrations", async () => {
  const migrate = startProcess("bundle-migrate", migrateBundle, env, { loader: "none" })
  onTestFailed(() => {
    console.error(describeOutputs([migrate]))
  })

  const exit = await migrate.exited

  expect(exit.code).toBe(0)
  expect(migrate.stdout()).toMatch(/message="migrations finished" appliedCount=[1-9]/)
  expect(migrate.stderr()).toBe("")
})

it("bundled API serves health and jobs", async () => {
  printOutputsOnFailure()
  const port = new URL(baseUrl).port
  server = startProcess("bundle-server", serverBundle, { ...env, PORT: port }, { loader: "none" })
  await server.waitForLine(/message="Listening on /)

  const health = await fetch(`${baseUrl}/api/health`)
  expect(health.status).toBe(200)
  expect(await health.json()).toEqual({ postgres: "up", redis: "up" })

  const created = await fetch(`${baseUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "bundled", durationSeconds: 0 }),
  })
  expect(created.status).toBe(201)

  const list = await fetch(`${baseUrl}/api/jobs`)
  expect(list.status).toBe(200)
  const { items } = (await list.json()) as { readonly items: ReadonlyArray<{ name: string }> }
  expect(items.map((job) => job.name)).toEqual(["bundled"])
})

it("bundled worker completes the job", async () => {
  printOutputsOnFailure()
  worker = startProcess("bundle-worker", workerBundle, env, { loader: "none" })
  await worker.waitForLine(/message="worker started"/)

  await expect
    .poll(
      async () => {
        const response = await fetch(`${baseUrl}/api/jobs`)
        const { items } = (await response.json()) as {
          readonly items: ReadonlyArray<{ status: string }>
        }
        return items.map((job) => job.status)
      },
      { timeout: JOB_WAIT_MILLIS, interval: 200 },
    )
    .toEqual(["COMPLETED"])
})

it("bundled processes stop on SIGTERM", async () => {
  printOutputsOnFailure()
  const running = [server, worker].filter(
    (candidate): candidate is RunningProcess => candidate !== undefined,
  )
  expect(running).toHaveLength(2)

  for (const { child } of running) {
    child.kill("SIGTERM")
  }
  const exits = await Promise.all(running.map((one) => exitWithin(one, STOP_WAIT_MILLIS)))

  expect(exits).toEqual([
    { code: 0, signal: null },
    { code: 0, signal: null },
  ])
  expect(server?.stdout()).toContain(`message="api stopped"`)
})

/**
 * The server process while PostgreSQL goes away and comes back. The server reaches
 * its database through a TCP proxy that the test stops, makes hang and restarts;
 * the shared PostgreSQL itself is never touched. Both connection URLs carry a
 * password, which must appear in no response and no log line. The tests run in
 * order and share one server process.
 */
import { afterAll, beforeAll, expect, it, onTestFailed } from "vitest"
import { closedPort } from "../../adapters/test/support/Network"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { uniqueChannel } from "../../adapters/test/support/TestRedis"
import {
  describeOutputs,
  exitWithin,
  killIfRunning,
  type RunningProcess,
  SERVER_ENTRY,
  startProcess,
} from "./support/Processes"
import { startTcpProxy, type TcpProxy } from "./support/TcpProxy"

const PASSWORD = "s3cret-outage-password"
const STORE_UNAVAILABLE = {
  _tag: "ServiceUnavailable",
  message: "the job store is not available, try again later",
}

// The server bounds each store call by 4 s. A request still open after this long
// is taken to hang.
const HANG_MILLIS = 10_000

let database: TestDatabase
let proxy: TcpProxy
let server: RunningProcess | undefined
let baseUrl: string

beforeAll(async () => {
  database = await createTestDatabase()
  proxy = await startTcpProxy(5432)
  const port = await closedPort()
  baseUrl = `http://127.0.0.1:${port}`
  server = startProcess("outage-server", SERVER_ENTRY, {
    DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${proxy.port}/${database.name}`,
    // Nothing listens there, so Redis stays down for the whole file.
    REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${await closedPort()}`,
    EVENTS_CHANNEL: uniqueChannel(),
    PORT: String(port),
    LOG_LEVEL: "debug",
  })
  await server.waitForLine(/message="Listening on /)
})

afterAll(async () => {
  await killIfRunning(server)
  await proxy?.stop()
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
})

const showOutputOnFailure = () => {
  const running = server
  onTestFailed(() => {
    console.error(describeOutputs([running]))
  })
}

const request = (path: string, init: RequestInit = {}) =>
  fetch(`${baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(HANG_MILLIS) })

const createJob = (name: string) =>
  request("/api/jobs", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, durationSeconds: 1 }),
  })

/** Retries GET /api/jobs until it is a 200, for up to `waitMillis`. */
const waitForStore = async (waitMillis = 15_000): Promise<number> => {
  const deadline = Date.now() + waitMillis
  let status = 0
  while (Date.now() < deadline) {
    status = (await request("/api/jobs")).status
    if (status === 200) {
      return status
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return status
}

/** Checks that a 5xx body is the short JSON message and nothing else. */
const expectSafeBody = (text: string) => {
  expect(text).not.toContain(PASSWORD)
  expect(text).not.toMatch(/select|insert|update|from jobs/i)
  expect(text).not.toMatch(/\bat .+:\d+:\d+/)
}

it("requests succeed while the database is reachable", async () => {
  showOutputOnFailure()

  const created = await createJob("before the outage")

  expect(created.status).toBe(201)
})

it("database down: requests get 503 and health names postgres", async () => {
  showOutputOnFailure()
  await proxy.stop()

  for (const response of [
    await request("/api/jobs"),
    await request(`/api/jobs/${crypto.randomUUID()}`),
    await createJob("during the outage"),
  ]) {
    const text = await response.text()
    expect(response.status, response.url).toBe(503)
    expect(JSON.parse(text)).toEqual(STORE_UNAVAILABLE)
    expectSafeBody(text)
  }

  const health = await request("/api/health")
  const healthText = await health.text()
  expect(health.status).toBe(503)
  expect(JSON.parse(healthText)).toEqual({
    _tag: "Unhealthy",
    message: "postgres and redis not reachable",
    postgres: "down",
    redis: "down",
  })
  expectSafeBody(healthText)
})

it("database back: requests succeed again without a restart", async () => {
  showOutputOnFailure()
  await proxy.start()

  expect(await waitForStore()).toBe(200)
  expect((await createJob("after the outage")).status).toBe(201)
})

it("database not responding: requests get 503 instead of hanging", async () => {
  showOutputOnFailure()
  proxy.hang()

  for (const response of [await request("/api/jobs"), await createJob("while it hangs")]) {
    const text = await response.text()
    expect(response.status, response.url).toBe(503)
    expect(JSON.parse(text)).toEqual(STORE_UNAVAILABLE)
    expectSafeBody(text)
  }
  const health = await request("/api/health")
  expect(health.status).toBe(503)
  expect(((await health.json()) as { readonly postgres: string }).postgres).toBe("down")

  await proxy.stop()
  await proxy.start()
  expect(await waitForStore()).toBe(200)
})

it("health logs each state change once, without stack traces", async () => {
  showOutputOnFailure()
  const before = server?.output() ?? ""

  for (let call = 0; call < 3; call++) {
    expect((await request("/api/health")).status).toBe(503)
  }

  const added = (server?.output() ?? "").slice(before.length).split("\n")
  // Redis has been down since the start, and that was logged at the first check.
  // PostgreSQL was down at the previous check and is back now.
  expect(before).toMatch(/level=WARN .*message="service not reachable" service=redis/)
  expect(added.filter((line) => line.includes("service not reachable"))).toEqual([])
  expect(added.filter((line) => line.includes("service reachable again"))).toHaveLength(1)
  expect(added.find((line) => line.includes("service reachable again"))).toContain(
    "service=postgres",
  )
})

it("no log line contains the password or a stack trace", () => {
  showOutputOnFailure()
  const output = server?.output() ?? ""

  expect(output).not.toContain(PASSWORD)
  // Stack frames, on their own lines or inside a quoted logfmt value.
  expect(output).not.toMatch(/^\s+at /m)
  expect(output).not.toMatch(/\\n\s+at /)
})

it("SIGTERM stops the server with an api stopped line", async () => {
  showOutputOnFailure()
  server?.child.kill("SIGTERM")

  const exit = server === undefined ? undefined : await exitWithin(server, 5_000)

  expect(exit?.code).toBe(0)
  expect(server?.output()).toMatch(/message="api stopped"/)
})

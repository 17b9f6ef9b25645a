/**
 * The server process refuses to start on bad settings or an unreachable
 * database, with one readable line and exit code 1.
 */
import { afterEach, expect, it, onTestFailed } from "vitest"
import { closedPort } from "../../adapters/test/support/Network"
import { uniqueChannel } from "../../adapters/test/support/TestRedis"
import {
  describeOutputs,
  killIfRunning,
  type RunningProcess,
  SERVER_ENTRY,
  startProcess,
} from "./support/Processes"

let server: RunningProcess | undefined

afterEach(async () => {
  await killIfRunning(server)
  server = undefined
})

const start = (name: string, env: Readonly<Record<string, string>>) => {
  server = startProcess(name, SERVER_ENTRY, env)
  const running = server
  onTestFailed(() => {
    console.error(describeOutputs([running]))
  })
  return running
}

it("unreachable database stops the server with one error line", async () => {
  const databasePort = await closedPort()
  const server = start("startup-database-down", {
    DATABASE_URL: `postgres://postgres:secret-password@127.0.0.1:${databasePort}/jobs`,
    PORT: String(await closedPort()),
    EVENTS_CHANNEL: uniqueChannel(),
  })

  const exit = await server.exited

  expect(exit.code).toBe(1)
  const errorLines = server
    .output()
    .split("\n")
    .filter((line) => line.includes("level=ERROR"))
  expect(errorLines).toHaveLength(1)
  expect(errorLines[0]).toContain(`message="process failed"`)
  expect(errorLines[0]).toMatch(/error="database unavailable/)
  expect(server.output()).not.toContain("secret-password")
  expect(server.output()).not.toMatch(/^\s+at /m)
})

it("PORT=abc stops the server with a message naming PORT", async () => {
  const server = start("startup-bad-port", { PORT: "abc" })

  const exit = await server.exited

  expect(exit.code).toBe(1)
  expect(server.stdout()).toBe("")
  expect(server.stderr()).toBe(
    `invalid configuration: PORT="abc" is not a whole number, expected a whole number from 1 to 65535.\n`,
  )
})

it("several invalid variables are reported on one line", async () => {
  const server = start("startup-bad-settings", {
    LOG_LEVEL: "loud",
    DATABASE_URL: "mysql://root:secret-password@127.0.0.1/jobs",
  })

  const exit = await server.exited

  expect(exit.code).toBe(1)
  const lines = server.stderr().trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain("DATABASE_URL has the scheme mysql:")
  expect(lines[0]).toContain(`LOG_LEVEL="loud" is not a log level`)
  expect(lines[0]).not.toContain("secret-password")
})

it("invalid HOST and SSE_MAX_CLIENTS are reported with what is accepted", async () => {
  const server = start("startup-bad-host", { HOST: "every interface", SSE_MAX_CLIENTS: "0" })

  const exit = await server.exited

  expect(exit.code).toBe(1)
  const lines = server.stderr().trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain(
    `HOST="every interface" is not an IP address or host name, expected the address to listen on, such as 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every network interface).`,
  )
  expect(lines[0]).toContain(
    `SSE_MAX_CLIENTS="0" is out of range, expected a whole number of event stream clients from 1 to 1000000.`,
  )
})

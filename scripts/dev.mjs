// Runs the whole app for local development. It checks that Postgres and Redis are reachable,
// creates the database if it is missing and runs the migrations. Then it runs the `dev` scripts
// of the api, worker and web packages side by side until Ctrl-C.
//
// Usage, from the repository root: bun run dev
// Environment: DATABASE_URL, REDIS_URL, PORT (API port) and API_URL (where the web dev server
// proxies /api) have the same defaults as the services, and every child process gets them.
// WEB_PORT sets the port of the web dev server (default 5173).

import { spawn, spawnSync } from "node:child_process"
import net from "node:net"
import path from "node:path"
import readline from "node:readline"
import { fileURLToPath } from "node:url"

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/jobs"
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379"
const apiPort = process.env.PORT || "8000"
const apiUrl = process.env.API_URL || `http://127.0.0.1:${apiPort}`
const webPort = process.env.WEB_PORT || "5173"

const TCP_TIMEOUT_MS = 3_000
const STOP_TIMEOUT_MS = 10_000
// A signal this soon after the previous one is a copy of it rather than a second Ctrl-C.
// A terminal's Ctrl-C reaches both `bun run dev` and this script, and bun forwards its copy.
const DUPLICATE_SIGNAL_MS = 500
const READY_TIMEOUT_MS = 120_000
const READY_POLL_MS = 1_000

const useColor =
  process.env.FORCE_COLOR !== undefined
    ? !["0", "false"].includes(process.env.FORCE_COLOR)
    : process.stdout.isTTY === true && process.env.NO_COLOR === undefined

// ANSI color codes of each output prefix.
const prefixColors = { dev: "1", migrate: "33", api: "36", worker: "35", web: "32" }
const prefixWidth = Math.max(...Object.keys(prefixColors).map((name) => name.length))

const childEnv = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORT: apiPort,
  API_URL: apiUrl,
  // Piped output is not a terminal, so the children would otherwise drop their colors.
  ...(useColor ? { FORCE_COLOR: "1" } : {}),
}

// Child processes by name, from spawn until their output streams have closed.
const running = new Map()
// Exit code of this script, set once shutdown has begun.
let shutdownExitCode = null
// Time of the last SIGINT or SIGTERM, 0 before the first.
let lastSignalAt = 0

// Output

function formatPrefix(name) {
  const label = `${name.padEnd(prefixWidth)} |`
  return useColor ? `\x1b[${prefixColors[name]}m${label}\x1b[0m` : label
}

function log(message) {
  process.stdout.write(`${formatPrefix("dev")} ${message}\n`)
}

function logError(message) {
  process.stderr.write(`${formatPrefix("dev")} ${message}\n`)
}

// Replaces the password of a URL, so that it can be logged.
function redactUrl(url) {
  if (url.password === "") return url.href
  const copy = new URL(url.href)
  copy.password = "***"
  return copy.href
}

// Describes how a child ended, from the result of startChild.
function describeExit({ code, signal, spawnError }) {
  if (spawnError !== undefined) return `failed to start (${spawnError.message})`
  return code !== null ? `exited with code ${code}` : `exited on signal ${signal}`
}

// Prerequisite checks

function parseUrl(variable, value, example) {
  try {
    return new URL(value)
  } catch {
    logError(`${variable} is not a valid URL. Expected a value like ${example}.`)
    process.exit(1)
  }
}

// Resolves with undefined once a TCP connection succeeds, or with the error that stopped it.
function probeTcp(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const finish = (error) => {
      socket.destroy()
      resolve(error)
    }
    socket.setTimeout(TCP_TIMEOUT_MS, () =>
      finish(new Error(`timed out after ${TCP_TIMEOUT_MS / 1000} s`)),
    )
    socket.once("connect", () => finish(undefined))
    socket.once("error", finish)
  })
}

// Checks that a server accepts TCP connections. If it does not, prints how to start it and
// returns false.
async function checkServer({ label, variable, url, defaultPort, startHints }) {
  // URL.hostname keeps the brackets of an IPv6 address, which net.connect does not accept.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  if (host === "") {
    log(`${variable} has no host name (a Unix socket, perhaps), so ${label} was not checked.`)
    return true
  }
  const port = Number(url.port || defaultPort)
  const error = await probeTcp(host, port)
  if (error === undefined) {
    log(`${label} is reachable at ${host}:${port}.`)
    return true
  }

  logError(`${label} is not reachable at ${host}:${port} (${variable}): ${error.message}`)
  logError(`  Start it with one of:`)
  for (const hint of startHints) logError(`    ${hint}`)
  logError(`  or set ${variable} to a running server.`)
  return false
}

async function checkServers(database, redis) {
  const results = await Promise.all([
    checkServer({
      label: "Postgres",
      variable: "DATABASE_URL",
      url: database,
      defaultPort: 5432,
      startHints: [
        "docker-compose up -d postgres",
        "sudo pg_ctlcluster <version> main start   (Debian and Ubuntu)",
      ],
    }),
    checkServer({
      label: "Redis",
      variable: "REDIS_URL",
      url: redis,
      defaultPort: 6379,
      startHints: ["docker-compose up -d redis", "redis-server --daemonize yes"],
    }),
  ])
  if (results.includes(false)) process.exit(1)
}

// Runs SQL through psql on the `postgres` maintenance database of the server in `database`.
// The SQL goes through stdin, because psql expands :'name' variables there but not in -c.
function runPsql(database, sql, variables) {
  const maintenance = new URL(database.href)
  maintenance.pathname = "/postgres"
  const env = { ...process.env, PGCONNECT_TIMEOUT: "5" }
  // The password travels in the environment rather than on the command line, where `ps` shows it.
  if (maintenance.password !== "") {
    env.PGPASSWORD = decodeURIComponent(maintenance.password)
    maintenance.password = ""
  }
  const variableArgs = Object.entries(variables).flatMap(([key, value]) => [
    "--set",
    `${key}=${value}`,
  ])
  const args = [
    "--no-psqlrc",
    "--quiet",
    "--tuples-only",
    "--no-align",
    "--set",
    "ON_ERROR_STOP=1",
    ...variableArgs,
    "--dbname",
    maintenance.href,
  ]
  return spawnSync("psql", args, { input: sql, env, encoding: "utf8" })
}

function ensureDatabase(database) {
  const name = decodeURIComponent(database.pathname.slice(1))
  if (name === "") {
    log("DATABASE_URL names no database, so none was created.")
    return
  }

  const lookup = runPsql(database, "SELECT 1 FROM pg_database WHERE datname = :'name';", { name })
  if (lookup.error?.code === "ENOENT") {
    logError(`psql was not found, so the database "${name}" was not checked or created.`)
    logError(
      "  Install the PostgreSQL client (Debian: apt-get install postgresql-client) or create the database yourself.",
    )
    return
  }
  if (lookup.error !== undefined || lookup.status !== 0) {
    logError(`psql failed to look up the database "${name}" on ${database.host}:`)
    logError(`  ${(lookup.stderr || lookup.error?.message || "").trim()}`)
    process.exit(1)
  }
  if (lookup.stdout.trim() === "1") {
    log(`Database "${name}" exists.`)
    return
  }

  const create = runPsql(database, 'CREATE DATABASE :"name";', { name })
  if (create.error !== undefined || create.status !== 0) {
    logError(`psql failed to create the database "${name}":`)
    logError(`  ${(create.stderr || create.error?.message || "").trim()}`)
    logError("  Create it yourself, or grant the user in DATABASE_URL the CREATEDB privilege.")
    process.exit(1)
  }
  log(`Created database "${name}".`)
}

// Child processes

// Sends a signal to the child's whole process group, so that the node processes that `bun run`
// and `node --watch` start beneath it get it too.
function signalGroup(child, signal) {
  // The pid is undefined when the spawn itself failed.
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch (error) {
    // ESRCH: every process of the group has already exited.
    if (error.code !== "ESRCH") throw error
  }
}

function pipeWithPrefix(stream, output, name) {
  const lines = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  // A child may end a line inside a color, so the reset keeps it off the next line's prefix.
  const lineEnd = useColor ? "\x1b[0m\n" : "\n"
  lines.on("line", (line) => output.write(`${formatPrefix(name)} ${line}${lineEnd}`))
}

// Starts `command` in its own process group with prefixed output. Resolves once the child has
// exited and its output has been printed, with its exit code (null when a signal ended it),
// the signal, and the error if it could not be started.
function startChild(name, command, args, cwd) {
  const child = spawn(command, args, {
    cwd,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  running.set(name, child)
  pipeWithPrefix(child.stdout, process.stdout, name)
  pipeWithPrefix(child.stderr, process.stderr, name)

  return new Promise((resolve) => {
    let spawnError
    child.once("error", (error) => {
      spawnError = error
      if (error.code === "ENOENT") {
        logError(`${command} was not found on PATH. Install bun with: npm install -g bun`)
      }
    })
    child.once("close", (code, signal) => {
      running.delete(name)
      resolve({ code, signal, spawnError })
      if (shutdownExitCode !== null && running.size === 0) process.exit(shutdownExitCode)
    })
  })
}

// Stops every child with `signal` and exits with `exitCode` once all of them have exited.
function shutdown(signal, exitCode) {
  shutdownExitCode = exitCode
  if (running.size === 0) process.exit(exitCode)

  log(`Stopping ${[...running.keys()].join(", ")} with ${signal}...`)
  for (const child of running.values()) signalGroup(child, signal)
  setTimeout(forceStop, STOP_TIMEOUT_MS).unref()
}

function forceStop() {
  log(`Still running: ${[...running.keys()].join(", ")}. Sending SIGKILL.`)
  for (const child of running.values()) signalGroup(child, "SIGKILL")
}

function handleSignal(signal) {
  const previousSignalAt = lastSignalAt
  lastSignalAt = Date.now()
  if (lastSignalAt - previousSignalAt < DUPLICATE_SIGNAL_MS) return

  if (previousSignalAt === 0) {
    log(`${signal} received.`)
    if (shutdownExitCode === null) shutdown(signal, 0)
  } else {
    // A second Ctrl-C during shutdown kills the remaining children at once.
    forceStop()
  }
}

async function runMigrations() {
  log("Running migrations (bun run migrate)...")
  const result = await startChild("migrate", "bun", ["run", "migrate"], rootDir)
  if (shutdownExitCode !== null) return
  if (result.code !== 0) {
    logError(`Migrations failed: bun run migrate ${describeExit(result)}.`)
    logError("  Fix the error above, then run bun run dev again.")
    process.exit(1)
  }
}

function startServices() {
  const services = [
    { name: "api", dir: "packages/server", args: ["run", "dev"] },
    { name: "worker", dir: "packages/worker", args: ["run", "dev"] },
    // --strictPort makes Vite fail when the port is taken, instead of moving to a port that the
    // URL printed below would not match.
    {
      name: "web",
      dir: "packages/web",
      args: ["run", "dev", "--port", webPort, "--strictPort"],
    },
  ]
  for (const { name, dir, args } of services) {
    startChild(name, "bun", args, path.join(rootDir, dir)).then((result) => {
      if (shutdownExitCode !== null) return
      logError(`${name} ${describeExit(result)} while the others ran. Stopping them.`)
      shutdown("SIGTERM", 1)
    })
  }
}

// Readiness

async function respondsToHttp(url, requireOk) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(READY_POLL_MS * 2) })
    await response.body?.cancel()
    return requireOk ? response.ok : true
  } catch {
    return false
  }
}

// Polls the API's health endpoint and the web dev server, then prints the URLs to open.
async function announceWhenReady() {
  const healthUrl = `http://127.0.0.1:${apiPort}/api/health`
  const webUrl = `http://localhost:${webPort}/`
  const deadline = Date.now() + READY_TIMEOUT_MS
  let apiReady = false
  let webReady = false

  while (shutdownExitCode === null && Date.now() < deadline) {
    apiReady ||= await respondsToHttp(healthUrl, true)
    webReady ||= await respondsToHttp(webUrl, false)
    if (apiReady && webReady) {
      log("Ready.")
      log(`  UI:       http://localhost:${webPort}`)
      log(`  API docs: http://localhost:${apiPort}/docs`)
      log("Press Ctrl-C to stop.")
      return
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS))
  }
  if (shutdownExitCode !== null) return

  const seconds = READY_TIMEOUT_MS / 1000
  if (!apiReady) logError(`The API did not respond to GET ${healthUrl} within ${seconds} s.`)
  if (!webReady) logError(`The web dev server did not respond at ${webUrl} within ${seconds} s.`)
  logError("  The output above should say why. The services keep running until Ctrl-C.")
}

// Main

process.on("SIGINT", () => handleSignal("SIGINT"))
process.on("SIGTERM", () => handleSignal("SIGTERM"))

const database = parseUrl("DATABASE_URL", databaseUrl, "postgres://postgres@127.0.0.1:5432/jobs")
const redis = parseUrl("REDIS_URL", redisUrl, "redis://127.0.0.1:6379")
log(`DATABASE_URL=${redactUrl(database)}`)
log(`REDIS_URL=${redactUrl(redis)}`)

await checkServers(database, redis)
ensureDatabase(database)
await runMigrations()
if (shutdownExitCode === null) {
  startServices()
  await announceWhenReady()
}

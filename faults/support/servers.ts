/**
 * Redis and PostgreSQL servers for the fault scenarios.
 *
 * A scenario that restarts a server gets one of its own, on a free loopback port: a
 * `redis-server` child process without persistence, or a throwaway PostgreSQL cluster made
 * with initdb in a temporary directory. The machine's shared servers on 5432 and 6379 are never stopped. Scenarios that do not restart PostgreSQL use a throwaway database on the
 * shared server instead.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { chownSync, createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { promisify } from "node:util"
import { closedPort } from "../../packages/adapters/test/support/Network"
import { answersPing } from "../../packages/adapters/test/support/RedisServerProcess"
import { OUTPUT_DIR } from "./output"

const execFileAsync = promisify(execFile)

const READY_TIMEOUT_MILLIS = 30_000
const POLL_MILLIS = 100
const STOP_TIMEOUT_MILLIS = 15_000

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** Resolves once the child has exited, or at once when it already has. */
const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

/** Sends `signal` to the child by its PID, then SIGKILL if it has not exited in time. */
const stopChild = async (child: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) {
    return
  }
  child.kill(signal)
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MILLIS)
  await exitOf(child)
  clearTimeout(timer)
}

/** Polls `probe` until it returns true, failing with `what` after READY_TIMEOUT_MILLIS. */
const waitUntil = async (what: string, probe: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + READY_TIMEOUT_MILLIS
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not become ready within ${READY_TIMEOUT_MILLIS} ms`)
    }
    await sleep(POLL_MILLIS)
  }
}

/** A redis-server child process that this run started, and can stop and start again. */
export class OwnRedis {
  private child: ChildProcess | undefined
  private starts = 0

  private constructor(
    readonly port: number,
    private readonly name: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  static async start(name: string): Promise<OwnRedis> {
    const redis = new OwnRedis(await closedPort(), name)
    await redis.startAgain()
    return redis
  }

  /** Starts the server on the same port after `stop`. */
  async startAgain(): Promise<void> {
    this.starts++
    const log = createWriteStream(path.join(OUTPUT_DIR, `${this.name}-${this.starts}.log`))
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    this.child = child
    await waitUntil(`redis-server on port ${this.port}`, async () => {
      if (child.exitCode !== null) {
        throw new Error(`redis-server exited with code ${child.exitCode}, see ${log.path}`)
      }
      return answersPing(this.port)
    })
  }

  /** Stops the server (SIGTERM, as `redis-cli shutdown` would); with no persistence it loses nothing that matters here. */
  async stop(): Promise<void> {
    if (this.child !== undefined) {
      await stopChild(this.child, "SIGTERM")
    }
  }
}

/** Finds the bin directory of the newest initdb installed by Debian's postgresql packages. */
const findPostgresBin = (): string => {
  const root = "/usr/lib/postgresql"
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((entry) => existsSync(path.join(root, entry, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : []
  const newest = versions[0]
  if (newest === undefined) {
    throw new Error(
      "no initdb found under /usr/lib/postgresql/<version>/bin; install the postgresql package",
    )
  }
  return path.join(root, newest, "bin")
}

/* * Looks up the uid and gid of the `postgres` OS user when this process runs as root, because
 * PostgreSQL refuses to run as root. Undefined otherwise: the servers then run as the
 * current user.
 */
const postgresUser = async (): Promise<{ uid: number; gid: number } | undefined> => {
  if (process.getuid?.() !== 0) {
    return undefined
  }
  const uid = Number((await execFileAsync("id", ["-u", "postgres"])).stdout.trim())
  const gid = Number((await execFileAsync("id", ["-g", "postgres"])).stdout.trim())
  return { uid, gid }
}

/** Runs psql against `url` and returns its unaligned output, one row a line, fields split by `|`. */
export const psql = async (url: string, sql: string): Promise<ReadonlyArray<string>> => {
  const { stdout } = await execFileAsync(
    "psql",
    ["-XAtq", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
    {
      env: { ...process.env, PGCONNECT_TIMEOUT: "5" },
      maxBuffer: 64 * 1024 * 1024,
    },
  )
  return stdout.split("\n").filter((line) => line !== "")
}

const answersQuery = (url: string): Promise<boolean> =>
  psql(url, "SELECT 1").then(
    () => true,
    () => false,
  )

/**
 * A PostgreSQL cluster made with initdb in a temporary directory, run as a child process
 * of this run on a free loopback port with trust authentication. Durability settings are
 * off because the cluster lives for one scenario; a fast shutdown still writes everything.
 */
export class OwnPostgres {
  private child: ChildProcess | undefined
  private starts = 0

  private constructor(
    readonly port: number,
    private readonly directory: string,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
    private readonly name: string,
  ) {}

  /** URL of database `database` in this cluster, as user postgres. */
  urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  static async start(name: string): Promise<OwnPostgres> {
    const bin = findPostgresBin()
    const user = await postgresUser()
    const directory = mkdtempSync(path.join(os.tmpdir(), "jobs-faults-pg-"))
    if (user !== undefined) {
      chownSync(directory, user.uid, user.gid)
    }
    const cluster = new OwnPostgres(await closedPort(), directory, bin, user, name)
    try {
      await execFileAsync(
        path.join(bin, "initdb"),
        ["-D", cluster.dataDirectory, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
        { ...(user ?? {}), cwd: directory },
      )
      await cluster.startAgain()
    } catch (error) {
      await cluster.remove()
      throw error
    }
    return cluster
  }

  private get dataDirectory(): string {
    return path.join(this.directory, "data")
  }

  /** Starts the server on the same data directory and port after `stop`. */
  async startAgain(): Promise<void> {
    this.starts++
    const log = createWriteStream(path.join(OUTPUT_DIR, `${this.name}-${this.starts}.log`))
    const args = [
      "-D",
      this.dataDirectory,
      "-p",
      String(this.port),
      "-k",
      this.directory,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ]
    const child = spawn(path.join(this.bin, "postgres"), args, {
      ...(this.user ?? {}),
      cwd: this.directory,
      stdio: ["ignore", "pipe", "pipe"],
    })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    this.child = child
    await waitUntil(`PostgreSQL on port ${this.port}`, async () => {
      if (child.exitCode !== null) {
        throw new Error(`postgres exited with code ${child.exitCode}, see ${log.path}`)
      }
      return answersQuery(this.urlOf("postgres"))
    })
  }

  /**
   * Stops the server with a fast shutdown (SIGINT): open connections are closed at once,
   * as when an operator restarts the database.
   */
  async stop(): Promise<void> {
    if (this.child !== undefined) {
      await stopChild(this.child, "SIGINT")
    }
  }

  /** Stops the server and deletes the cluster's directory. */
  async remove(): Promise<void> {
    await this.stop()
    rmSync(this.directory, { recursive: true, force: true })
  }
}

/** The shared server's URL, for scenarios that do not restart PostgreSQL. */
export const SHARED_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"

/** The shared Redis, for scenarios that do not restart Redis. */
export const SHARED_REDIS_URL = "redis://127.0.0.1:6379"

/**
 * A database that exists only for one scenario, on the server at `serverUrl`. Returns its
 * URL and a function that drops it, closing any connection still open to it.
 */
export const createDatabase = async (
  serverUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> => {
  const name = `jobs_faults_${randomUUID().replaceAll("-", "").slice(0, 16)}`
  await psql(`${serverUrl}/postgres`, `CREATE DATABASE ${name}`)
  return {
    url: `${serverUrl}/${name}`,
    drop: async () => {
      await psql(`${serverUrl}/postgres`, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

/**
 * The software versions and the machine a run measured, for the report. A version that
 * cannot be read is reported with the reason instead of failing the run.
 */
import { execFile } from "node:child_process"
import { readFile } from "node:fs/promises"
import os from "node:os"
import path from "node:path"
import { promisify } from "node:util"
import { psql, SHARED_POSTGRES_URL } from "../../faults/support/servers"
import { ROOT_DIR } from "../../packages/server/test/support/Processes"
import { buildBundles, PROCESS_COMMANDS } from "./system"

const execFileAsync = promisify(execFile)

const describeError = (error: unknown): string =>
  error instanceof Error ? error.message.split("\n")[0]! : String(error)

/** Runs `read`, or returns "unknown" with the reason when it fails. */
const orUnknown = async (read: () => Promise<string>): Promise<string> => {
  try {
    return await read()
  } catch (error) {
    return `unknown (${describeError(error)})`
  }
}

const bunVersion = async () => (await execFileAsync("bun", ["--version"])).stdout.trim()

// The apps resolve `effect` from their own packages, so the version is read from there.
const effectVersion = async () => {
  const file = path.join(ROOT_DIR, "packages/adapters/node_modules/effect/package.json")
  return (JSON.parse(await readFile(file, "utf8")) as { version: string }).version
}

const postgresVersion = async () =>
  (await psql(`${SHARED_POSTGRES_URL}/postgres`, "SHOW server_version")).join(" ")

const redisVersion = async () => {
  const { stdout } = await execFileAsync("redis-cli", ["-h", "127.0.0.1", "-p", "6379", "INFO"])
  const version = /^redis_version:(\S+)/m.exec(stdout)?.[1]
  if (version === undefined) {
    throw new Error("INFO printed no redis_version")
  }
  return version
}

const cpuModel = async () => {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8")
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]
  if (model === undefined) {
    throw new Error("/proc/cpuinfo has no model name")
  }
  return model.trim()
}

const memoryTotal = async () => {
  const meminfo = await readFile("/proc/meminfo", "utf8")
  const kibibytes = /^MemTotal:\s*(\d+) kB$/m.exec(meminfo)?.[1]
  if (kibibytes === undefined) {
    throw new Error("/proc/meminfo has no MemTotal")
  }
  return `${(Number(kibibytes) / 1024 / 1024).toFixed(1)} GiB`
}

// Building here, before any scenario, keeps the build's CPU time out of the measurements.
const ourProcesses = async () => {
  await buildBundles()
  return `${PROCESS_COMMANDS} (bundles built by \`bun run build\` at the start of this run)`
}

/** The 1-minute load average of the machine, with two decimals. */
export const loadAverage = (): string => (os.loadavg()[0] ?? 0).toFixed(2)

/** The installed version of a dev dependency of bench/, such as a peer job system. */
const benchPackageVersion = async (packageName: string) => {
  const file = path.join(ROOT_DIR, "bench/node_modules", packageName, "package.json")
  return (JSON.parse(await readFile(file, "utf8")) as { version: string }).version
}

/** Label and value of each row of the environment table. */
export const describeEnvironment = async (): Promise<ReadonlyArray<readonly [string, string]>> => {
  const [bun, effect, postgres, redis, cpu, memory, bullmq, pgBoss, graphile, processes] =
    await Promise.all([
      orUnknown(bunVersion),
      orUnknown(effectVersion),
      orUnknown(postgresVersion),
      orUnknown(redisVersion),
      orUnknown(cpuModel),
      orUnknown(memoryTotal),
      orUnknown(() => benchPackageVersion("bullmq")),
      orUnknown(() => benchPackageVersion("pg-boss")),
      orUnknown(() => benchPackageVersion("graphile-worker")),
      orUnknown(ourProcesses),
    ])
  return [
    ["Node.js", process.version],
    ["bun", bun],
    ["effect", effect],
    ["PostgreSQL server", postgres],
    ["Redis server", redis],
    ["bullmq", bullmq],
    ["pg-boss", pgBoss],
    ["graphile-worker", graphile],
    ["Our API server and worker", processes],
    ["CPU", cpu],
    ["Cores (logical)", String(os.cpus().length)],
    ["RAM", memory],
    ["OS", `${os.type()} ${os.release()} ${os.arch()}`],
  ]
}

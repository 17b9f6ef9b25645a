/**
 * Runs the server and worker entry points as child processes: from the TypeScript
 * sources (`node --import tsx <entry>`, the default, as `bun run dev` does), or from
 * the bundles of `bun run build` with plain `node`, as production does. Each child's
 * stdout and stderr go to test-output/<name>.log and are kept in memory for the test
 * to wait on.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createWriteStream, mkdirSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"

export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..")
export const SERVER_ENTRY = "packages/server/src/main.ts"
export const WORKER_ENTRY = "packages/worker/src/main.ts"
/** The bundles that `bun run build` writes, to start with `{ loader: "none" }`. */
export const SERVER_BUNDLE = "packages/server/dist/main.js"
export const WORKER_BUNDLE = "packages/worker/dist/main.js"

const OUTPUT_DIR = path.join(ROOT_DIR, "test-output")

export const DEFAULT_WAIT_MILLIS = 30_000

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface RunningProcess {
  readonly name: string
  readonly child: ChildProcess
  /** Absolute path of the file that receives stdout and stderr. */
  readonly logFile: string
  /** stdout and stderr received so far, interleaved as they arrived. */
  readonly output: () => string
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the first output line matching `pattern`, now or later. */
  readonly waitForLine: (pattern: RegExp, waitMillis?: number) => Promise<string>
  /** Resolves when the process has exited and its output streams have closed. */
  readonly exited: Promise<Exit>
}

export interface StartOptions {
  /**
   * How node loads `entry`. "tsx" (the default) compiles a TypeScript entry at load
   * time, and "none" runs a JavaScript entry, such as a bundle, with plain `node`.
   */
  readonly loader?: "tsx" | "none"
}

/**
 * Starts `entry` with exactly the given environment variables of this app, so the
 * developer's own DATABASE_URL or LOG_LEVEL cannot leak into a test.
 */
export const startProcess = (
  name: string,
  entry: string,
  env: Readonly<Record<string, string>>,
  options: StartOptions = {},
): RunningProcess => {
  mkdirSync(OUTPUT_DIR, { recursive: true })
  // Other test runs may share this machine and this directory, so the file name
  // carries this run's process id.
  const logFile = path.join(OUTPUT_DIR, `${name}-${process.pid}.log`)
  const log = createWriteStream(logFile)

  const inherited = { ...process.env }
  for (const variable of [
    "DATABASE_URL",
    "REDIS_URL",
    "PORT",
    "HOST",
    "SSE_MAX_CLIENTS",
    "WORKER_CONCURRENCY",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "EVENTS_CHANNEL",
    "CORS_ORIGINS",
    "WORKER_ID",
  ]) {
    delete inherited[variable]
  }

  const nodeArguments = options.loader === "none" ? [entry] : ["--import", "tsx", entry]
  const child = spawn(process.execPath, nodeArguments, {
    cwd: ROOT_DIR,
    env: { ...inherited, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })

  let output = ""
  let stdout = ""
  let stderr = ""
  const listeners = new Set<() => void>()
  const append = (target: "stdout" | "stderr") => (chunk: Buffer) => {
    const text = chunk.toString("utf8")
    output += text
    if (target === "stdout") {
      stdout += text
    } else {
      stderr += text
    }
    log.write(text)
    for (const listener of listeners) listener()
  }
  child.stdout?.on("data", append("stdout"))
  child.stderr?.on("data", append("stderr"))

  const exited = new Promise<Exit>((resolve) => {
    child.once("close", (code, signal) => {
      log.end()
      for (const listener of listeners) listener()
      resolve({ code, signal })
    })
  })
  let hasExited = false
  void exited.then(() => {
    hasExited = true
  })

  const waitForLine = (pattern: RegExp, waitMillis = DEFAULT_WAIT_MILLIS) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = output.split("\n").find((candidate) => pattern.test(candidate))
        if (line !== undefined) {
          done()
          resolve(line)
        } else if (hasExited || child.exitCode !== null) {
          done()
          reject(new Error(`${name} exited before printing a line matching ${pattern}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${name} printed no line matching ${pattern} within ${waitMillis} ms`))
      }, waitMillis)
      const done = () => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })

  return {
    name,
    child,
    logFile,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLine,
    exited,
  }
}

/** Resolves with the exit, or with undefined when the process is still running after `waitMillis`. */
export const exitWithin = (
  running: RunningProcess,
  waitMillis: number,
): Promise<Exit | undefined> =>
  Promise.race([
    running.exited,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitMillis)),
  ])

/** Kills a child that is still running (SIGKILL, by its PID), so no test leaves one behind. */
export const killIfRunning = async (running: RunningProcess | undefined): Promise<void> => {
  if (
    running === undefined ||
    running.child.exitCode !== null ||
    running.child.signalCode !== null
  ) {
    return
  }
  running.child.kill("SIGKILL")
  await running.exited
}

/** The output of each process, for printing when a test fails. */
export const describeOutputs = (processes: ReadonlyArray<RunningProcess | undefined>): string =>
  processes
    .filter((running): running is RunningProcess => running !== undefined)
    .map((running) => `----- ${running.name} (${running.logFile}) -----\n${running.output()}`)
    .join("\n")

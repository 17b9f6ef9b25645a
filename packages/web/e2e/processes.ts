/**
 * Child processes for the browser test: start one with its output in a log file, wait until
 * it responds to HTTP, stop it by PID.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createWriteStream, readFileSync } from "node:fs"
import path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"

export interface Child {
  readonly name: string
  readonly process: ChildProcess
  readonly logFile: string
  /** Resolves with the exit code or signal once the process has exited and closed its output. */
  readonly exited: Promise<string>
}

/** Starts `command` with its stdout and stderr written to `<logDir>/<name>.log`. */
export const startProcess = (options: {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly logDir: string
}): Child => {
  const logFile = path.join(options.logDir, `${options.name}.log`)
  const log = createWriteStream(logFile, { flags: "w" })
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  })
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })

  const exited = new Promise<string>((resolve) => {
    child.once("close", (code, signal) => {
      resolve(code !== null ? `code ${code}` : `signal ${signal}`)
    })
    child.once("error", (error) => {
      log.write(`\nfailed to start: ${error.message}\n`)
      resolve(`start failure (${error.message})`)
    })
  })
  void exited.then(() => log.end())

  return { name: options.name, process: child, logFile, exited }
}

const tailOf = (file: string, lines = 30): string => {
  const text = readFileSync(file, "utf8").trimEnd().split("\n")
  return text.slice(-lines).join("\n")
}

/**
 * Polls `url` until it returns 200, failing early if `child` exits and after `timeoutMs`.
 * A server that is starting has no signal to wait on but its port, hence the polling.
 */
export const waitForHttp = async (url: string, child: Child, timeoutMs = 60_000): Promise<void> => {
  let exit: string | undefined
  void child.exited.then((outcome) => {
    exit = outcome
  })

  const deadline = Date.now() + timeoutMs
  let lastProblem = "no answer yet"
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      throw new Error(
        `${child.name} exited with ${exit} before ${url} returned 200; end of ${child.logFile}:\n${tailOf(child.logFile)}`,
      )
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await response.body?.cancel()
      if (response.status === 200) {
        return
      }
      lastProblem = `HTTP ${response.status}`
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error)
    }
    await sleep(250)
  }
  throw new Error(
    `${url} did not return 200 within ${timeoutMs} ms (last: ${lastProblem}); end of ${child.logFile}:\n${tailOf(child.logFile)}`,
  )
}

const STOP_GRACE_MS = 5_000

/**
 * Sends SIGTERM, then SIGKILL if the process is still running after 5 seconds. Returns how
 * the process ended, for example `code 0` or `signal SIGKILL after SIGTERM was ignored`.
 */
export const stopProcess = async (child: Child): Promise<string> => {
  if (child.process.exitCode !== null || child.process.signalCode !== null) {
    return child.exited
  }
  child.process.kill("SIGTERM")
  const outcome = await Promise.race([child.exited, sleep(STOP_GRACE_MS).then(() => undefined)])
  if (outcome !== undefined) {
    return outcome
  }
  child.process.kill("SIGKILL")
  return `${await child.exited} after SIGTERM was ignored for ${STOP_GRACE_MS} ms`
}

/**
 * The lines a peer's worker process prints on stdout, one per fact, so the benchmark can
 * read them on the same machine clock:
 *
 *   ready
 *   start <key> <epoch milliseconds>   the handler of job <key> began
 *   done <key> <epoch milliseconds>    the handler of job <key> returned
 *
 * Every job's payload is `{ key }`, a name the benchmark chose, so it can match a start
 * to the moment it enqueued that job. The handler does nothing else: a no-op job.
 */
import { epochMillis } from "../clock"

export interface Payload {
  readonly key: string
}

export const READY_LINE = "ready"

/** The settings the benchmark passes to a peer's worker process. */
export const ENV = {
  concurrency: "PEER_CONCURRENCY",
  queue: "PEER_QUEUE",
  url: "PEER_URL",
  /** BullMQ only: the prefix of its keys on the shared Redis. */
  prefix: "PEER_PREFIX",
} as const

export const readEnv = (name: string): string => {
  const value = process.env[name]
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set`)
  }
  return value
}

export const readConcurrency = (): number => {
  const value = Number(readEnv(ENV.concurrency))
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${ENV.concurrency} must be a whole number >= 1`)
  }
  return value
}

/** Prints a line; stdout to a pipe is asynchronous in Node, so this does not block the handler. */
const say = (line: string) => {
  process.stdout.write(`${line}\n`)
}

export const sayReady = () => say(READY_LINE)

/** Runs the no-op job of every peer: reports the start, then the end. */
export const noopJob = (payload: Payload): void => {
  say(`start ${payload.key} ${epochMillis()}`)
  say(`done ${payload.key} ${epochMillis()}`)
}

export interface ReportLine {
  readonly kind: "start" | "done"
  readonly key: string
  readonly at: number
}

export const parseReportLine = (line: string): ReportLine | undefined => {
  const [kind, key, at] = line.split(" ")
  if ((kind !== "start" && kind !== "done") || key === undefined || at === undefined) {
    return undefined
  }
  const time = Number(at)
  return Number.isFinite(time) ? { kind, key, at: time } : undefined
}

/** Ends the process on SIGTERM once `stop` has run; the benchmark kills it with SIGKILL otherwise. */
export const stopOnSigterm = (stop: () => Promise<void>) => {
  process.once("SIGTERM", () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}

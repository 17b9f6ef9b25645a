/**
 * Timestamps of one log message per job, read from a child process's stdout as it is
 * written. The processes log in logfmt (LOG_FORMAT's default):
 *
 *   timestamp=2026-01-02T03:04:05.678Z level=INFO fiber=#42 message="job cancelled, run stopped" jobId=<uuid> ...
 *
 * The timestamp is the process's wall clock in whole milliseconds, taken when the line was
 * logged, so it can be compared with `Date.now()` of another process on the same machine.
 */
import { StringDecoder } from "node:string_decoder"
import type { RunningProcess } from "../../packages/server/test/support/Processes"

const timestampPattern = /^timestamp=(\S+) /
const jobIdPattern = / jobId=([0-9a-fA-F-]+)(?: |$)/

/** The wall-clock time (epoch milliseconds) and job id of a logfmt line with `message`, if it is one. */
export const parseLogLine = (
  line: string,
  message: string,
): { readonly jobId: string; readonly loggedAt: number } | undefined => {
  if (!line.includes(` message=${JSON.stringify(message)}`)) {
    return undefined
  }
  const timestamp = timestampPattern.exec(line)?.[1]
  const jobId = jobIdPattern.exec(line)?.[1]
  const loggedAt = timestamp === undefined ? Number.NaN : Date.parse(timestamp)
  return jobId === undefined || Number.isNaN(loggedAt) ? undefined : { jobId, loggedAt }
}

export class LogWatch {
  private readonly seen = new Map<string, number>()
  private readonly waiters = new Map<string, (loggedAt: number) => void>()
  private pending = ""

  /** Starts reading `running`'s stdout for lines with `message`. */
  constructor(
    running: RunningProcess,
    private readonly message: string,
  ) {
    const decoder = new StringDecoder("utf8")
    running.child.stdout?.on("data", (chunk: Buffer) => this.receive(decoder.write(chunk)))
  }

  /** Resolves with the epoch milliseconds of the job's line, now or when it is written. */
  waitFor(jobId: string, waitMillis: number): Promise<number> {
    const loggedAt = this.seen.get(jobId)
    if (loggedAt !== undefined) {
      return Promise.resolve(loggedAt)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(jobId)
        reject(new Error(`no log line "${this.message}" of job ${jobId} within ${waitMillis} ms`))
      }, waitMillis)
      this.waiters.set(jobId, (at) => {
        clearTimeout(timer)
        this.waiters.delete(jobId)
        resolve(at)
      })
    })
  }

  forget(jobId: string): void {
    this.seen.delete(jobId)
  }

  private receive(text: string): void {
    const lines = (this.pending + text).split("\n")
    this.pending = lines.pop() ?? ""
    for (const line of lines) {
      const parsed = parseLogLine(line, this.message)
      if (parsed !== undefined) {
        this.seen.set(parsed.jobId, parsed.loggedAt)
        this.waiters.get(parsed.jobId)?.(parsed.loggedAt)
      }
    }
  }
}

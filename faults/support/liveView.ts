/**
 * The job states a browser tab would show, for every job, kept from GET /api/events and
 * reloaded from GET /api/jobs each time the stream opens, as the web app does.
 *
 * The stream is read with node:http, so the view gets exactly the bytes the server sends.
 * When the stream ends or cannot be opened, the view opens it again after the `retry:`
 * delay the server sent (3 s in the current server), like EventSource. A job's state only
 * moves to a higher job version, so an old list entry never hides a newer event.
 */
import { type ClientRequest, type IncomingMessage, request } from "node:http"
import { type Envelope, type JobStatus, listJobs, statusAfter } from "./api"

const DEFAULT_RETRY_MILLIS = 3_000
const LIST_LIMIT = 100

export interface ShownJob {
  readonly status: JobStatus
  readonly version: number
}

export class LiveView {
  /** The state shown for each job id. */
  readonly jobs = new Map<string, ShownJob>()
  /** The newest event received over SSE for each job id. */
  readonly lastEvents = new Map<string, Envelope>()
  /** How many times the stream was opened (1 when it never dropped). */
  opens = 0
  /** Errors met while reloading the list; the next open retries. */
  readonly reloadErrors: Array<string> = []

  private retryMillis = DEFAULT_RETRY_MILLIS
  private closed = false
  private current: ClientRequest | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly listeners = new Set<(event: Envelope) => void>()
  private firstOpen: (() => void) | undefined

  private constructor(private readonly baseUrl: string) {}

  /** Opens the stream and resolves once the first list reload after opening has finished. */
  static open(baseUrl: string): Promise<LiveView> {
    const view = new LiveView(baseUrl)
    return new Promise((resolve) => {
      view.firstOpen = () => resolve(view)
      view.connect()
    })
  }

  /** Calls `listener` with every event received from now on. */
  onEvent(listener: (event: Envelope) => void): void {
    this.listeners.add(listener)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.current?.destroy()
  }

  private connect(): void {
    if (this.closed) {
      return
    }
    const req = request(`${this.baseUrl}/api/events`, {
      headers: { accept: "text/event-stream" },
    })
    this.current = req
    req.on("response", (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        this.reconnectLater()
        return
      }
      this.opens++
      this.read(response)
      void this.reload()
    })
    req.on("error", () => this.reconnectLater())
    req.end()
  }

  private reconnectLater(): void {
    if (this.closed || this.timer !== undefined) {
      return
    }
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.connect()
    }, this.retryMillis)
  }

  private read(response: IncomingMessage): void {
    let buffer = ""
    response.setEncoding("utf8")
    response.on("data", (chunk: string) => {
      buffer += chunk.replaceAll("\r\n", "\n")
      let end = buffer.indexOf("\n\n")
      while (end !== -1) {
        this.handleBlock(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf("\n\n")
      }
    })
    response.on("close", () => this.reconnectLater())
    response.on("error", () => this.reconnectLater())
  }

  private handleBlock(block: string): void {
    const data: Array<string> = []
    for (const line of block.split("\n")) {
      if (line.startsWith("retry:")) {
        this.retryMillis = Number(line.slice("retry:".length).trim()) || DEFAULT_RETRY_MILLIS
      } else if (line.startsWith("data:")) {
        data.push(line.slice("data:".length).replace(/^ /, ""))
      }
    }
    if (data.length === 0) {
      return
    }
    const event = JSON.parse(data.join("\n")) as Envelope
    const status = statusAfter[event.event_type]
    if (status !== undefined) {
      this.show(event.job_id, { status, version: event.job_version })
    }
    const previous = this.lastEvents.get(event.job_id)
    if (previous === undefined || previous.job_version < event.job_version) {
      this.lastEvents.set(event.job_id, event)
    }
    for (const listener of this.listeners) {
      listener(event)
    }
  }

  private async reload(): Promise<void> {
    try {
      for (const job of await listJobs(this.baseUrl, LIST_LIMIT)) {
        this.show(job.id, { status: job.status, version: job.version })
      }
    } catch (error) {
      this.reloadErrors.push(String(error))
    }
    this.firstOpen?.()
    this.firstOpen = undefined
  }

  private show(id: string, next: ShownJob): void {
    const shown = this.jobs.get(id)
    if (shown === undefined || shown.version < next.version) {
      this.jobs.set(id, next)
    }
  }
}

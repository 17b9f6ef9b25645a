/**
 * A minimal server-sent events client on node:http, for tests that need to see
 * the raw stream: comments, `retry:`, `id:` and `data:` lines, in order.
 */
import { type IncomingHttpHeaders, type IncomingMessage, request } from "node:http"

/** One block of lines between blank lines. */
export interface SseFrame {
  readonly comments: ReadonlyArray<string>
  readonly id: string | undefined
  readonly event: string | undefined
  readonly retry: string | undefined
  /** The `data:` lines joined with newlines, or undefined when there were none. */
  readonly data: string | undefined
}

const parseFrame = (block: string): SseFrame => {
  const comments: Array<string> = []
  const data: Array<string> = []
  const fields: Record<string, string> = {}
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) {
      comments.push(line.slice(1).trim())
      continue
    }
    const colon = line.indexOf(":")
    const name = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
    if (name === "data") {
      data.push(value)
    } else {
      fields[name] = value
    }
  }
  return {
    comments,
    id: fields.id,
    event: fields.event,
    retry: fields.retry,
    data: data.length === 0 ? undefined : data.join("\n"),
  }
}

export const DEFAULT_WAIT_MILLIS = 10_000

export class SseClient {
  /** Every frame received so far, in order. */
  readonly frames: Array<SseFrame> = []
  private buffer = ""
  private read = 0
  private waiter: (() => void) | undefined
  private ended = false

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly response: IncomingMessage,
  ) {
    response.setEncoding("utf8")
    response.on("data", (chunk: string) => {
      this.buffer += chunk.replaceAll("\r\n", "\n")
      let end = this.buffer.indexOf("\n\n")
      while (end !== -1) {
        this.frames.push(parseFrame(this.buffer.slice(0, end)))
        this.buffer = this.buffer.slice(end + 2)
        end = this.buffer.indexOf("\n\n")
      }
      this.waiter?.()
    })
    response.on("close", () => {
      this.ended = true
      this.waiter?.()
    })
  }

  /** Opens the stream and resolves once the response headers have arrived. */
  static open(url: string): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: "text/event-stream" } }, (response) =>
        resolve(new SseClient(response.statusCode ?? 0, response.headers, response)),
      )
      req.on("error", reject)
      req.end()
    })
  }

  /** Resolves with the next frame not returned before; fails after `waitMillis`. */
  nextFrame(waitMillis = DEFAULT_WAIT_MILLIS): Promise<SseFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        reject(new Error(`no server-sent event frame within ${waitMillis} ms`))
      }, waitMillis)
      const check = () => {
        const frame = this.frames[this.read]
        if (frame !== undefined) {
          this.read++
          clearTimeout(timer)
          this.waiter = undefined
          resolve(frame)
        } else if (this.ended) {
          clearTimeout(timer)
          this.waiter = undefined
          reject(new Error("the event stream ended"))
        }
      }
      this.waiter = check
      check()
    })
  }

  /**
   * Resolves with the next frame that `EventSource.onmessage` would receive: one with `data:`
   * and no event name other than `message`. Comment-only frames and named events, such as the
   * keep-alive, are skipped.
   */
  async nextData(waitMillis = DEFAULT_WAIT_MILLIS): Promise<SseFrame> {
    const deadline = Date.now() + waitMillis
    for (;;) {
      const frame = await this.nextFrame(Math.max(deadline - Date.now(), 0))
      if (frame.data !== undefined && (frame.event === undefined || frame.event === "message")) {
        return frame
      }
    }
  }

  /** Closes the connection from the client side. */
  close(): void {
    this.response.destroy()
  }
}

/**
 * One GET /api/events stream, read from the moment it opens, with the arrival time of
 * every event. An event that arrives before anyone waits for it is kept, so a caller
 * may start waiting after the request that causes the event has returned.
 */
import type { Envelope } from "../../faults/support/api"
import { SseClient } from "../../packages/server/test/support/SseClient"

/** One event and when it arrived, on the `performance.now()` clock of this process. */
export interface Arrival {
  readonly envelope: Envelope
  readonly arrivedAt: number
}

// The server sends a keep-alive comment every 15 seconds, so a longer silence means
// the stream is dead.
const IDLE_LIMIT_MILLIS = 60_000

const keyOf = (jobId: string, eventType: string) => `${jobId} ${eventType}`

interface Waiter {
  readonly resolve: (arrival: Arrival) => void
  readonly reject: (error: Error) => void
}

export class EventFeed {
  private readonly arrivals = new Map<string, Arrival>()
  private readonly waiters = new Map<string, Waiter>()
  private readonly listeners = new Set<(arrival: Arrival) => void>()
  private failure: Error | undefined

  private constructor(private readonly client: SseClient) {}

  /** Opens the stream; fails unless the server responds with 200. */
  static async open(baseUrl: string): Promise<EventFeed> {
    const client = await SseClient.open(`${baseUrl}/api/events`)
    if (client.status !== 200) {
      client.close()
      throw new Error(`GET /api/events returned ${client.status}`)
    }
    const feed = new EventFeed(client)
    void feed.pump()
    return feed
  }

  /** Resolves with the job's event of this type, now or when it arrives. */
  waitFor(jobId: string, eventType: string, waitMillis: number): Promise<Arrival> {
    const key = keyOf(jobId, eventType)
    const arrived = this.arrivals.get(key)
    if (arrived !== undefined) {
      return Promise.resolve(arrived)
    }
    if (this.failure !== undefined) {
      return Promise.reject(this.failure)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key)
        reject(new Error(`no ${eventType} of job ${jobId} within ${waitMillis} ms`))
      }, waitMillis)
      const settle = () => {
        clearTimeout(timer)
        this.waiters.delete(key)
      }
      this.waiters.set(key, {
        resolve: (arrival) => {
          settle()
          resolve(arrival)
        },
        reject: (error) => {
          settle()
          reject(error)
        },
      })
    })
  }

  /** Calls `listener` with every event that arrives from now on; returns the unsubscribe. */
  subscribe(listener: (arrival: Arrival) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Drops what was kept for the job, once the caller needs none of its events any more. */
  forget(jobId: string): void {
    for (const key of this.arrivals.keys()) {
      if (key.startsWith(`${jobId} `)) {
        this.arrivals.delete(key)
      }
    }
  }

  close(): void {
    this.client.close()
  }

  // Reads frames as they come. This loop always waits on the next frame, so the arrival
  // time is taken as soon as the frame has been parsed, not when a caller asks for it.
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const frame = await this.client.nextFrame(IDLE_LIMIT_MILLIS)
        const arrivedAt = performance.now()
        if (frame.data === undefined) {
          continue
        }
        const envelope = JSON.parse(frame.data) as Envelope
        const key = keyOf(envelope.job_id, envelope.event_type)
        const arrival = { envelope, arrivedAt }
        this.arrivals.set(key, arrival)
        this.waiters.get(key)?.resolve(arrival)
        for (const listener of this.listeners) {
          listener(arrival)
        }
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error))
      for (const waiter of [...this.waiters.values()]) {
        waiter.reject(this.failure)
      }
    }
  }
}

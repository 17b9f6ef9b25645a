/**
 * Live events from the API's server-sent events route, GET /api/events: the job events and the
 * worker events, on one stream.
 *
 * A tab has exactly one EventSource, shared by every component that calls useJobEvents: it
 * opens with the first subscriber and closes when the last one is gone. Each message is one
 * event in the wire envelope of @jobs/domain, decoded with `decodeEventJson`. Every subscriber
 * gets every event; one that needs only job events skips the rest with `isJobEvent`.
 *
 * The server also sends a named `keep-alive` event when the stream opens and every 15 s. Named
 * events never reach `onmessage`, so this module listens for them apart. It records when the
 * last one arrived, so the page can show that the stream is alive while no job changes.
 */
import { type DomainEvent, decodeEventJson } from "@jobs/domain"
import { Either } from "effect"
import { useEffect, useRef, useSyncExternalStore } from "react"

export type ConnectionState = "connecting" | "open" | "reconnecting"

/** The arrival of one event in this tab: its text as sent and its arrival time (Date.now()). */
export interface Arrival {
  readonly raw: string
  readonly receivedAt: number
}

/** One opening of the stream; `reconnect` is false for the first one of the tab. */
export interface Opening {
  readonly reconnect: boolean
  readonly openedAt: number
}

export interface EventHandlers {
  readonly onEvent: (event: DomainEvent, arrival: Arrival) => void
  /**
   * Called on every open, the first one included. Pub/Sub and SSE deliver at most once, so
   * events sent while the tab was disconnected are lost: reload what the page shows here.
   */
  readonly onOpen: (opening: Opening) => void
}

/** The connection as the status display needs it; a new object on every change. */
export interface ConnectionSnapshot {
  readonly state: ConnectionState
  /** Date.now() of the first error since the stream was last open, or null while it is open. */
  readonly failingSince: number | null
  /** Date.now() when the last keep-alive event arrived, or null before the first one. */
  readonly lastKeepAliveAt: number | null
}

const EVENTS_PATH = "/api/events"
const KEEP_ALIVE_EVENT = "keep-alive"

// The browser reconnects an EventSource by itself after a dropped connection, but gives up for
// good when an answer is not `200 text/event-stream` (for example a 502 from the dev proxy
// while the API restarts). Then this module opens a new EventSource after this delay.
const REOPEN_DELAY_MS = 3_000

class EventConnection {
  private source: EventSource | null = null
  private snapshot: ConnectionSnapshot = {
    state: "connecting",
    failingSince: null,
    lastKeepAliveAt: null,
  }
  private readonly subscribers = new Set<EventHandlers>()
  private readonly stateListeners = new Set<() => void>()
  private closeTimer: ReturnType<typeof setTimeout> | undefined
  private openedBefore = false
  private reopenTimer: ReturnType<typeof setTimeout> | undefined

  readonly subscribe = (handlers: EventHandlers): (() => void) => {
    this.subscribers.add(handlers)
    clearTimeout(this.closeTimer)
    this.closeTimer = undefined
    if (this.source === null && this.reopenTimer === undefined) {
      this.open()
    }
    return () => {
      this.subscribers.delete(handlers)
      if (this.subscribers.size === 0) {
        // Closing on the next task rather than at once keeps the connection when React's
        // StrictMode unmounts and remounts a component, which it does once in development.
        this.closeTimer = setTimeout(() => this.close(), 0)
      }
    }
  }

  readonly subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener)
    return () => {
      this.stateListeners.delete(listener)
    }
  }

  readonly getState = (): ConnectionState => this.snapshot.state

  readonly getSnapshot = (): ConnectionSnapshot => this.snapshot

  private open(): void {
    const source = new EventSource(EVENTS_PATH)
    this.source = source

    source.onopen = () => {
      this.update({ state: "open", failingSince: null })
      const opening = { reconnect: this.openedBefore, openedAt: Date.now() }
      this.openedBefore = true
      for (const subscriber of this.subscribers) {
        subscriber.onOpen(opening)
      }
    }

    source.onmessage = (message: MessageEvent<string>) => {
      const arrival = { raw: message.data, receivedAt: Date.now() }
      const decoded = decodeEventJson(message.data)
      if (Either.isLeft(decoded)) {
        console.warn("skipped a server-sent event that does not match the event envelope", {
          data: message.data,
          error: decoded.left.message,
        })
        return
      }
      for (const subscriber of this.subscribers) {
        subscriber.onEvent(decoded.right, arrival)
      }
    }

    source.addEventListener(KEEP_ALIVE_EVENT, () => {
      this.update({ lastKeepAliveAt: Date.now() })
    })

    source.onerror = () => {
      this.update({
        state: "reconnecting",
        failingSince: this.snapshot.failingSince ?? Date.now(),
      })
      if (source.readyState === EventSource.CLOSED) {
        console.warn(
          `event stream ${EVENTS_PATH} closed, opening it again in ${REOPEN_DELAY_MS} ms`,
        )
        this.source = null
        this.reopenTimer = setTimeout(() => {
          this.reopenTimer = undefined
          if (this.subscribers.size > 0) {
            this.open()
          }
        }, REOPEN_DELAY_MS)
      }
    }
  }

  private close(): void {
    this.closeTimer = undefined
    clearTimeout(this.reopenTimer)
    this.reopenTimer = undefined
    this.source?.close()
    this.source = null
    this.update({ state: "connecting", failingSince: null })
  }

  private update(change: Partial<ConnectionSnapshot>): void {
    const next = { ...this.snapshot, ...change }
    if (
      next.state === this.snapshot.state &&
      next.failingSince === this.snapshot.failingSince &&
      next.lastKeepAliveAt === this.snapshot.lastKeepAliveAt
    ) {
      return
    }
    this.snapshot = next
    for (const listener of this.stateListeners) {
      listener()
    }
  }
}

const connection = new EventConnection()

/**
 * Subscribes to the event stream for the lifetime of the calling component and returns the state of
 * the shared connection. The handlers may change on every render; the latest ones are called.
 */
export const useJobEvents = (handlers: EventHandlers): ConnectionState => {
  const latest = useRef(handlers)
  useEffect(() => {
    latest.current = handlers
  })

  useEffect(
    () =>
      connection.subscribe({
        onEvent: (event, arrival) => latest.current.onEvent(event, arrival),
        onOpen: (opening) => latest.current.onOpen(opening),
      }),
    [],
  )

  return useSyncExternalStore(connection.subscribeState, connection.getState)
}

/** Follows the shared connection's state, failures and keep-alives, without subscribing to events. */
export const useConnectionSnapshot = (): ConnectionSnapshot =>
  useSyncExternalStore(connection.subscribeState, connection.getSnapshot)

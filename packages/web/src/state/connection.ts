/**
 * The connection status shown in the header, derived from the event stream's state, the browser's
 * network state and the time the stream has been failing.
 */
import type { ConnectionState } from "../hooks/useJobEvents"

export type ConnectionView = "connecting" | "open" | "reconnecting" | "offline"

/**
 * How long the stream may fail to open before the page calls itself offline. The browser retries
 * every 3 s (the server's `retry:`), so this covers about three failed attempts.
 */
export const OFFLINE_AFTER_MS = 10_000

export interface ConnectionFacts {
  readonly state: ConnectionState
  /** Date.now() of the first error since the stream was last open, or null. */
  readonly failingSince: number | null
  /** navigator.onLine: false means the browser has detected that it has no network. */
  readonly online: boolean
  readonly now: number
}

export const connectionView = ({
  state,
  failingSince,
  online,
  now,
}: ConnectionFacts): ConnectionView => {
  if (!online) {
    return "offline"
  }
  if (state === "open") {
    return "open"
  }
  if (failingSince !== null && now - failingSince > OFFLINE_AFTER_MS) {
    return "offline"
  }
  return state
}

/** Whole seconds since the last keep-alive, never negative; null before the first one. */
export const keepAliveAgeSeconds = (lastKeepAliveAt: number | null, now: number): number | null =>
  lastKeepAliveAt === null ? null : Math.max(Math.floor((now - lastKeepAliveAt) / 1000), 0)

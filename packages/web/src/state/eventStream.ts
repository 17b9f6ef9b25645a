/**
 * The live event stream panel's state: every envelope received over SSE, newest first, with a
 * marker line at each reconnection. Nothing here drops duplicates: the panel shows what the
 * wire carried, twice if it came twice.
 *
 * While paused, new lines wait in `pending` and only their number is shown; resuming puts
 * them on top. The panel keeps at most STREAM_CAPACITY lines, shown and pending together.
 */
import {
  type DomainEvent,
  isJobEvent,
  type JobEventType,
  jobEventTypes,
  type WorkerEventType,
  workerEventTypes,
} from "@jobs/domain"

export const STREAM_CAPACITY = 500

/**
 * A marker's refetch list takes the queries that start fetching within this time after the
 * reconnection: the page reloads what it shows when the stream opens again.
 */
export const REFETCH_WINDOW_MS = 5_000

export type StreamEventType = JobEventType | WorkerEventType

export const streamEventTypes: ReadonlyArray<StreamEventType> = [
  ...jobEventTypes,
  ...workerEventTypes,
]

export interface EventLine {
  readonly kind: "event"
  /** Unique in the panel, in arrival order; duplicate envelopes get distinct keys. */
  readonly key: number
  readonly event: DomainEvent
  /** The `data:` text as the server sent it. */
  readonly raw: string
  readonly receivedAt: number
}

export interface ReconnectLine {
  readonly kind: "reconnect"
  readonly key: number
  readonly openedAt: number
  /** Labels of the queries the page refetched after this reconnection, in fetch order. */
  readonly refetched: ReadonlyArray<string>
}

export type StreamLine = EventLine | ReconnectLine

export interface StreamState {
  /** Shown lines, newest first. */
  readonly lines: ReadonlyArray<StreamLine>
  /** Lines received while paused, newest first. */
  readonly pending: ReadonlyArray<StreamLine>
  /** Events received while paused, including those beyond the capacity. */
  readonly pendingCount: number
  readonly paused: boolean
  readonly nextKey: number
  /** Job names learned from JobCreated events, by job id. */
  readonly names: ReadonlyMap<string, string>
  /**
   * Fetches of the last REFETCH_WINDOW_MS. Another component may reload on the same opening
   * before this panel adds its marker, so the marker also takes the fetches just before it.
   */
  readonly recentFetches: ReadonlyArray<Fetch>
}

export interface Fetch {
  readonly label: string
  readonly at: number
}

export const emptyStream: StreamState = {
  lines: [],
  pending: [],
  pendingCount: 0,
  paused: false,
  nextKey: 0,
  names: new Map(),
  recentFetches: [],
}

const cap = (lines: ReadonlyArray<StreamLine>): ReadonlyArray<StreamLine> =>
  lines.length > STREAM_CAPACITY ? lines.slice(0, STREAM_CAPACITY) : lines

/** Puts a new line on top, where it is shown or, while paused, where it waits. */
const push = (state: StreamState, line: StreamLine): StreamState => {
  if (state.paused) {
    // Pending lines will sit on top of the shown ones, so together they stay within the cap.
    const pending = cap([line, ...state.pending])
    return {
      ...state,
      pending,
      lines: state.lines.slice(0, STREAM_CAPACITY - pending.length),
      nextKey: state.nextKey + 1,
    }
  }
  return { ...state, lines: cap([line, ...state.lines]), nextKey: state.nextKey + 1 }
}

const learnName = (
  names: ReadonlyMap<string, string>,
  event: DomainEvent,
): ReadonlyMap<string, string> =>
  event._tag === "JobCreated" && names.get(event.jobId) !== event.name
    ? new Map(names).set(event.jobId, event.name)
    : names

/** Adds an envelope that arrived at `receivedAt`, with its raw text. */
export const receive = (
  state: StreamState,
  event: DomainEvent,
  raw: string,
  receivedAt: number,
): StreamState => {
  const next = push(state, { kind: "event", key: state.nextKey, event, raw, receivedAt })
  return {
    ...next,
    names: learnName(state.names, event),
    pendingCount: state.paused ? state.pendingCount + 1 : state.pendingCount,
  }
}

const inWindow = (openedAt: number, at: number): boolean =>
  at >= openedAt && at - openedAt <= REFETCH_WINDOW_MS

const uniqueLabels = (fetches: ReadonlyArray<Fetch>): ReadonlyArray<string> => [
  ...new Set(fetches.map((fetch) => fetch.label)),
]

/** Adds a marker for a reopened stream (not for the first opening of the tab). */
export const markReconnect = (state: StreamState, openedAt: number): StreamState =>
  push(state, {
    kind: "reconnect",
    key: state.nextKey,
    openedAt,
    refetched: uniqueLabels(state.recentFetches.filter((fetch) => inWindow(openedAt, fetch.at))),
  })

const newestMarker = (state: StreamState): ReconnectLine | undefined =>
  [...state.pending, ...state.lines].find(
    (line): line is ReconnectLine => line.kind === "reconnect",
  )

/**
 * Notes that the page started fetching a query (`label`) at `at`. It is listed on the newest
 * marker when that marker is at most REFETCH_WINDOW_MS older, and kept for a marker that
 * may follow within that time.
 */
export const recordRefetch = (state: StreamState, label: string, at: number): StreamState => {
  const recentFetches = [
    ...state.recentFetches.filter((fetch) => at - fetch.at <= REFETCH_WINDOW_MS),
    { label, at },
  ]
  const marker = newestMarker(state)
  if (marker === undefined || !inWindow(marker.openedAt, at) || marker.refetched.includes(label)) {
    return { ...state, recentFetches }
  }
  const updated: ReconnectLine = { ...marker, refetched: [...marker.refetched, label] }
  const replace = (lines: ReadonlyArray<StreamLine>) =>
    lines.map((line) => (line === marker ? updated : line))
  return {
    ...state,
    lines: replace(state.lines),
    pending: replace(state.pending),
    recentFetches,
  }
}

export const pause = (state: StreamState): StreamState =>
  state.paused ? state : { ...state, paused: true }

/** Shows the lines that arrived while paused, on top of the others. */
export const resume = (state: StreamState): StreamState =>
  state.paused
    ? {
        ...state,
        lines: cap([...state.pending, ...state.lines]),
        pending: [],
        pendingCount: 0,
        paused: false,
      }
    : state

export interface StreamFilter {
  /** Event types not shown. Empty: every type is shown. */
  readonly hiddenTypes: ReadonlySet<StreamEventType>
  /** Part of a job id; empty shows every line. Worker events have no job, so they are hidden. */
  readonly jobText: string
}

export const noFilter: StreamFilter = { hiddenTypes: new Set(), jobText: "" }

/** True when the filter hides something. */
export const isFiltering = (filter: StreamFilter): boolean =>
  filter.hiddenTypes.size > 0 || filter.jobText.trim().length > 0

export const toggleType = (filter: StreamFilter, type: StreamEventType): StreamFilter => {
  const hiddenTypes = new Set(filter.hiddenTypes)
  if (!hiddenTypes.delete(type)) {
    hiddenTypes.add(type)
  }
  return { ...filter, hiddenTypes }
}

const matches = (line: StreamLine, filter: StreamFilter, jobText: string): boolean => {
  if (line.kind === "reconnect") {
    // A marker belongs to the stream, not to an event, so no filter hides it.
    return true
  }
  if (filter.hiddenTypes.has(line.event._tag)) {
    return false
  }
  if (jobText.length === 0) {
    return true
  }
  return isJobEvent(line.event) && line.event.jobId.toLowerCase().includes(jobText)
}

/** The shown lines that pass the filter, newest first. */
export const visibleLines = (
  state: StreamState,
  filter: StreamFilter,
): ReadonlyArray<StreamLine> => {
  const jobText = filter.jobText.trim().toLowerCase()
  return state.lines.filter((line) => matches(line, filter, jobText))
}

/**
 * Pretty-prints the raw text with two-space indents. Text that is not JSON is returned as it
 * is, although a shown line never has such text because the stream decoded it.
 */
export const prettyJson = (raw: string): string => {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2)
  } catch {
    return raw
  }
}

/** Labels a TanStack Query key by its first part, with a short id when the key has one. */
export const describeQueryKey = (key: ReadonlyArray<unknown>): string => {
  const [name, ...rest] = key
  const head = typeof name === "string" ? name : JSON.stringify(name)
  const id = rest.find((part): part is string => typeof part === "string")
  return id === undefined ? head : `${head} ${id.slice(0, 8)}`
}

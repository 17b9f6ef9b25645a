import { type DomainEvent, isJobEvent, type JobId } from "@jobs/domain"
import { useCallback, useId, useMemo, useReducer, useState } from "react"
import { type EventViewsText, formatClock, useEventViewsText } from "../eventViewsText"
import {
  type EventLine,
  emptyStream,
  isFiltering,
  markReconnect,
  noFilter,
  pause,
  prettyJson,
  type ReconnectLine,
  receive,
  recordRefetch,
  resume,
  type StreamFilter,
  type StreamLine,
  type StreamState,
  streamEventTypes,
  toggleType,
  visibleLines,
} from "../state/eventStream"
import { producerKind, shortId } from "../state/timeline"
import "../eventViews.css"

type StreamAction =
  | {
      readonly type: "receive"
      readonly event: DomainEvent
      readonly raw: string
      readonly at: number
    }
  | { readonly type: "reconnect"; readonly at: number }
  | { readonly type: "refetch"; readonly label: string; readonly at: number }
  | { readonly type: "pause" }
  | { readonly type: "resume" }

const reduce = (state: StreamState, action: StreamAction): StreamState => {
  switch (action.type) {
    case "receive":
      return receive(state, action.event, action.raw, action.at)
    case "reconnect":
      return markReconnect(state, action.at)
    case "refetch":
      return recordRefetch(state, action.label, action.at)
    case "pause":
      return pause(state)
    case "resume":
      return resume(state)
  }
}

export interface EventStreamControls {
  readonly state: StreamState
  /** Adds an envelope with its raw text and arrival time (Date.now()). */
  readonly receive: (event: DomainEvent, raw: string, receivedAt: number) => void
  /** Adds a reconnection marker; call it for reopenings only. */
  readonly markReconnect: (openedAt: number) => void
  /** Notes a query the page started fetching, for the newest marker. */
  readonly recordRefetch: (label: string, at: number) => void
  readonly pause: () => void
  readonly resume: () => void
}

/** Holds the panel's stream state (state/eventStream.ts) in a reducer; the callbacks are stable. */
export const useEventStreamState = (): EventStreamControls => {
  const [state, dispatch] = useReducer(reduce, emptyStream)
  return {
    state,
    receive: useCallback(
      (event: DomainEvent, raw: string, at: number) =>
        dispatch({ type: "receive", event, raw, at }),
      [],
    ),
    markReconnect: useCallback((at: number) => dispatch({ type: "reconnect", at }), []),
    recordRefetch: useCallback(
      (label: string, at: number) => dispatch({ type: "refetch", label, at }),
      [],
    ),
    pause: useCallback(() => dispatch({ type: "pause" }), []),
    resume: useCallback(() => dispatch({ type: "resume" }), []),
  }
}

export interface EventStreamPanelProps {
  readonly state: StreamState
  readonly onPause: () => void
  readonly onResume: () => void
  /** A job's name from elsewhere on the page; names from JobCreated events are known already. */
  readonly findJobName?: (jobId: JobId) => string | undefined
}

const subjectOf = (
  line: EventLine,
  text: EventViewsText,
  nameOf: (jobId: JobId) => string | undefined,
): string =>
  isJobEvent(line.event)
    ? text.stream.job(shortId(line.event.jobId), nameOf(line.event.jobId))
    : text.stream.worker(line.event.workerId)

const EventRow = ({
  line,
  expanded,
  onToggle,
  nameOf,
}: {
  readonly line: EventLine
  readonly expanded: boolean
  readonly onToggle: (key: number) => void
  readonly nameOf: (jobId: JobId) => string | undefined
}) => {
  const text = useEventViewsText()
  const rawId = useId()
  const { event } = line
  const kind = producerKind(event.producer)
  const arrived = formatClock(text.locale, line.receivedAt)

  return (
    <li className="stream-line" data-event-type={event._tag}>
      <button
        type="button"
        className="stream-line__toggle"
        aria-expanded={expanded}
        aria-controls={expanded ? rawId : undefined}
        onClick={() => onToggle(line.key)}
      >
        <span className="stream-line__time">
          {text.stream.arrivedLabel}{" "}
          <time dateTime={new Date(line.receivedAt).toISOString()}>{arrived}</time>
        </span>{" "}
        <span className="event-type">{event._tag}</span>{" "}
        <span className="stream-line__subject">{subjectOf(line, text, nameOf)}</span>{" "}
        <span className="stream-line__meta">
          <span className="stream-line__producer">
            {text.stream.producerLabel}: <code>{event.producer}</code> (
            <span className={`producer producer--${kind}`}>
              {text.timeline.producerKinds[kind]}
            </span>
            )
          </span>{" "}
          <span className="stream-line__version">
            {text.stream.versionLabel}:{" "}
            {isJobEvent(event) ? event.jobVersion : text.stream.noVersion}
          </span>
        </span>
      </button>
      {expanded && (
        <section
          id={rawId}
          className="stream-line__raw"
          aria-label={text.stream.rawLabel(event._tag, arrived)}
        >
          <pre>{prettyJson(line.raw)}</pre>
        </section>
      )}
    </li>
  )
}

const MarkerRow = ({ line }: { readonly line: ReconnectLine }) => {
  const text = useEventViewsText()
  return (
    <li className="stream-marker" data-marker="reconnect">
      <p>
        <strong>
          <span aria-hidden="true">⟲ </span>
          {text.stream.reconnected(formatClock(text.locale, line.openedAt))}
        </strong>
      </p>
      <p>{text.stream.nothingReplayed}</p>
      <p>
        {line.refetched.length > 0
          ? text.stream.refetched(line.refetched)
          : text.stream.nothingRefetched}
      </p>
    </li>
  )
}

/**
 * Every envelope this tab received over SSE, newest first, with filters by event type and job,
 * a pause switch, the raw JSON of a line on demand and a marker at each reconnection.
 */
export const EventStreamPanel = ({
  state,
  onPause,
  onResume,
  findJobName,
}: EventStreamPanelProps) => {
  const text = useEventViewsText()
  const headingId = useId()
  const jobFilterId = useId()
  const jobHintId = useId()
  const [filter, setFilter] = useState<StreamFilter>(noFilter)
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set())

  const lines = useMemo(() => visibleLines(state, filter), [state, filter])
  const nameOf = useCallback(
    (jobId: JobId) => state.names.get(jobId) ?? findJobName?.(jobId),
    [state.names, findJobName],
  )
  const toggle = useCallback((key: number) => {
    setExpanded((keys) => {
      const next = new Set(keys)
      if (!next.delete(key)) {
        next.add(key)
      }
      return next
    })
  }, [])

  return (
    <section className="panel event-stream" aria-labelledby={headingId}>
      <h2 id={headingId}>{text.stream.heading}</h2>
      <p className="event-views__intro">{text.stream.intro}</p>

      <div className="event-stream__controls">
        <fieldset className="event-stream__types">
          <legend>{text.stream.typesLegend}</legend>
          {streamEventTypes.map((type) => (
            <label key={type} className="event-stream__type">
              <input
                type="checkbox"
                checked={!filter.hiddenTypes.has(type)}
                onChange={() => setFilter((current) => toggleType(current, type))}
              />
              {type}
            </label>
          ))}
        </fieldset>

        <div className="event-stream__job">
          <label htmlFor={jobFilterId}>{text.stream.jobFilterLabel}</label>
          <input
            id={jobFilterId}
            type="search"
            value={filter.jobText}
            aria-describedby={jobHintId}
            onChange={(input) => {
              const jobText = input.currentTarget.value
              setFilter((current) => ({ ...current, jobText }))
            }}
          />
          <small id={jobHintId}>{text.stream.jobFilterHint}</small>
        </div>

        <div className="event-stream__pause">
          <button
            type="button"
            className="button"
            aria-pressed={state.paused}
            onClick={state.paused ? onResume : onPause}
          >
            {state.paused ? text.stream.resume : text.stream.pause}
          </button>
          <p role="status" className="event-stream__status">
            {state.paused && (
              <>
                <span className="event-stream__badge">
                  {text.stream.newCount(state.pendingCount)}
                </span>{" "}
                {text.stream.pausedNote}
              </>
            )}
          </p>
        </div>
      </div>

      <p className="event-stream__count">
        {text.stream.shownCount(lines.length, state.lines.length)}
      </p>

      {state.lines.length === 0 && <p>{text.stream.empty}</p>}
      {state.lines.length > 0 && lines.length === 0 && isFiltering(filter) && (
        <p>{text.stream.noMatch}</p>
      )}

      {lines.length > 0 && (
        <ol className="event-stream__lines" aria-label={text.stream.listLabel}>
          {lines.map((line: StreamLine) =>
            line.kind === "event" ? (
              <EventRow
                key={line.key}
                line={line}
                expanded={expanded.has(line.key)}
                onToggle={toggle}
                nameOf={nameOf}
              />
            ) : (
              <MarkerRow key={line.key} line={line} />
            ),
          )}
        </ol>
      )}
    </section>
  )
}

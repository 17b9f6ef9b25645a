import type { JobStatus } from "@jobs/domain"
import { useId } from "react"
import { formatClock, formatDelay, useEventViewsText } from "../eventViewsText"
import {
  allowedTransitions,
  arrivalDelayMs,
  isActionAllowed,
  type JobAction,
  producerKind,
  type Timeline,
  type TimelineEntry,
} from "../state/timeline"
import "../eventViews.css"

export interface JobTimelineProps {
  /** The merged timeline (see state/timeline.ts), oldest version first. */
  readonly entries: Timeline
  /** The job's current status, for the allowed transitions; undefined while unknown. */
  readonly status: JobStatus | undefined
  /** True while the event log is loading for the first time. */
  readonly loading: boolean
  /** Message of a failed log load, or null. */
  readonly loadError: string | null
  /** The action whose request is in flight, or null. */
  readonly busy: JobAction | null
  /** The API's error message for the last rejected request of each action. */
  readonly rejections: Readonly<Partial<Record<JobAction, string>>>
  readonly onAction: (action: JobAction) => void
}

const actions: ReadonlyArray<JobAction> = ["cancel", "rerun"]

const TimelineRow = ({ entry }: { readonly entry: TimelineEntry }) => {
  const text = useEventViewsText()
  const { event } = entry
  const kind = producerKind(event.producer)
  const delay = arrivalDelayMs(entry)

  return (
    <li
      className="timeline__event"
      data-event-type={event._tag}
      data-version={event.jobVersion}
      data-arrival={delay === null ? "log" : "live"}
    >
      <p className="timeline__type">
        <span className="event-type">{event._tag}</span>
      </p>
      <dl className="event-facts">
        <div>
          <dt>{text.timeline.timeLabel}</dt>
          <dd>
            <time dateTime={event.occurredAt.toISOString()}>
              {formatClock(text.locale, event.occurredAt)}
            </time>
          </dd>
        </div>
        <div>
          <dt>{text.timeline.producerLabel}</dt>
          <dd>
            <span className={`producer producer--${kind}`}>
              {text.timeline.producerKinds[kind]}
            </span>{" "}
            <code>{event.producer}</code>
          </dd>
        </div>
        <div>
          <dt>{text.timeline.versionLabel}</dt>
          <dd>{event.jobVersion}</dd>
        </div>
        <div>
          <dt>{text.timeline.delayLabel}</dt>
          <dd className={delay === null ? "event-facts__log" : "event-facts__live"}>
            {delay === null
              ? text.timeline.fromLog
              : text.timeline.delay(formatDelay(text.locale, delay))}
          </dd>
        </div>
      </dl>
    </li>
  )
}

interface ActionProps {
  readonly action: JobAction
  readonly status: JobStatus | undefined
  readonly busy: JobAction | null
  readonly rejection: string | undefined
  readonly onAction: (action: JobAction) => void
}

/**
 * Renders one action button with whether the domain allows it. A disallowed action stays
 * clickable on purpose, because trying it shows the API's rejection to the learner.
 */
const ActionRow = ({ action, status, busy, rejection, onAction }: ActionProps) => {
  const text = useEventViewsText()
  const hintId = useId()
  const allowed = status !== undefined && isActionAllowed(action, status)

  return (
    <li className="timeline-action" data-action={action}>
      <button
        type="button"
        className="button"
        disabled={status === undefined || busy !== null}
        aria-describedby={hintId}
        onClick={() => onAction(action)}
      >
        {busy === action ? text.timeline.actionsBusy[action] : text.timeline.actions[action]}
      </button>
      <span id={hintId} className="timeline-action__hint">
        {status === undefined
          ? ""
          : allowed
            ? text.timeline.actionAllowed(status)
            : text.timeline.actionNotAllowed(status)}
      </span>
      {rejection !== undefined && (
        <p className="timeline-action__rejection" role="alert">
          <strong>{text.timeline.rejected}</strong> {rejection}
        </p>
      )}
    </li>
  )
}

/**
 * One job's events in version order, each with its producer and how it reached this page,
 * then the transitions the domain allows from the current status and the actions.
 */
export const JobTimeline = ({
  entries,
  status,
  loading,
  loadError,
  busy,
  rejections,
  onAction,
}: JobTimelineProps) => {
  const text = useEventViewsText()
  const headingId = useId()
  const transitionsId = useId()
  const actionsId = useId()

  return (
    <div className="job-timeline">
      <section aria-labelledby={headingId}>
        <h3 id={headingId}>{text.timeline.heading}</h3>
        <p className="event-views__intro">{text.timeline.intro}</p>

        {loadError !== null && (
          <p className="event-views__error" role="alert">
            <strong>{text.timeline.loadFailed}</strong> {loadError}
          </p>
        )}
        {loading && entries.length === 0 && <p role="status">{text.timeline.loading}</p>}
        {!loading && entries.length === 0 && loadError === null && <p>{text.timeline.empty}</p>}

        {entries.length > 0 && (
          <ol className="timeline" aria-label={text.timeline.listLabel}>
            {entries.map((entry) => (
              <TimelineRow key={entry.event.jobVersion} entry={entry} />
            ))}
          </ol>
        )}
      </section>

      {status !== undefined && (
        <section aria-labelledby={transitionsId}>
          <h4 id={transitionsId}>{text.timeline.transitionsHeading(status)}</h4>
          <TransitionList status={status} />
        </section>
      )}

      <section aria-labelledby={actionsId}>
        <h4 id={actionsId}>{text.timeline.actionsHeading}</h4>
        <ul className="timeline-actions">
          {actions.map((action) => (
            <ActionRow
              key={action}
              action={action}
              status={status}
              busy={busy}
              rejection={rejections[action]}
              onAction={onAction}
            />
          ))}
        </ul>
      </section>
    </div>
  )
}

const TransitionList = ({ status }: { readonly status: JobStatus }) => {
  const text = useEventViewsText()
  const transitions = allowedTransitions(status)
  if (transitions.length === 0) {
    return <p>{text.timeline.noTransitions}</p>
  }
  return (
    <ul className="timeline-transitions">
      {transitions.map((transition) => (
        <li key={transition.command} data-command={transition.command}>
          {text.timeline.transition(transition)}
        </li>
      ))}
    </ul>
  )
}

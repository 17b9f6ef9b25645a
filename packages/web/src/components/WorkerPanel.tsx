import type { WorkerView } from "@jobs/domain"
import { useId, useMemo } from "react"
import { useI18n } from "../i18n"
import { type WorkerState, workerState } from "../state/workerList"
import { JobProgress } from "./JobProgress"

export interface WorkerPanelProps {
  readonly workers: ReadonlyArray<WorkerView>
  readonly loading: boolean
  readonly loadError: string | null
  readonly onRetry: () => void
  /** The page's shared clock, for the progress bars of the running jobs. */
  readonly now: number
}

// A shape per state beside its word, so that the state does not rest on color alone.
const symbols: Readonly<Record<WorkerState, string>> = {
  alive: "●",
  unresponsive: "◌",
  shutdown: "■",
  lost: "✕",
}

// A UUID's first 8 characters tell the jobs on one card apart; the full id is in the tooltip.
const SHORT_ID_LENGTH = 8

/** Lists the workers of the registry, each with its state, its facts and the jobs it runs. */
export const WorkerPanel = ({ workers, loading, loadError, onRetry, now }: WorkerPanelProps) => {
  const { language, messages } = useI18n()
  const text = messages.workers
  const headingId = useId()

  const dateFormat = useMemo(
    () => new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "medium" }),
    [language],
  )

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{text.heading}</h2>

      {loadError !== null && (
        <div className="alert" role="alert">
          <p>
            <strong>{text.loadFailed}</strong> {loadError}
          </p>
          <button type="button" className="button" onClick={onRetry}>
            {text.retry}
          </button>
        </div>
      )}

      {loading && loadError === null && <p className="muted">{text.loading}</p>}
      {!loading && workers.length === 0 && <p className="muted">{text.empty}</p>}

      {workers.length > 0 && (
        <ul className="worker-list" aria-labelledby={headingId}>
          {workers.map((worker) => {
            const state = workerState(worker)
            return (
              <li
                key={worker.id}
                className={`worker worker--${state}`}
                data-worker-id={worker.id}
                data-worker-state={state}
              >
                <div className="worker__header">
                  <span className="worker__id">{worker.id}</span>
                  <span className={`worker-state worker-state--${state}`}>
                    <span aria-hidden="true">{symbols[state]}</span> {text.states[state]}
                  </span>
                </div>
                <dl className="worker__facts">
                  <div>
                    <dt>{text.host}</dt>
                    <dd>{worker.host}</dd>
                  </div>
                  <div>
                    <dt>{text.pid}</dt>
                    <dd>{worker.pid}</dd>
                  </div>
                  <div>
                    <dt>{text.started}</dt>
                    <dd>
                      <time dateTime={worker.startedAt.toISOString()}>
                        {dateFormat.format(worker.startedAt)}
                      </time>
                    </dd>
                  </div>
                  {worker.stoppedAt !== null && (
                    <div>
                      <dt>{text.stopped}</dt>
                      <dd>
                        <time dateTime={worker.stoppedAt.toISOString()}>
                          {dateFormat.format(worker.stoppedAt)}
                        </time>
                      </dd>
                    </div>
                  )}
                </dl>
                <p className="worker__slots" data-busy={worker.runningJobs.length}>
                  {text.slots(worker.runningJobs.length, worker.concurrency)}
                </p>
                {worker.runningJobs.length === 0 ? (
                  <p className="worker__no-jobs muted">{text.noJobs}</p>
                ) : (
                  <ul className="worker-jobs" aria-label={text.jobsOf(worker.id)}>
                    {worker.runningJobs.map((job) => (
                      <li
                        key={job.id}
                        className="worker-jobs__item"
                        data-job-id={job.id}
                        data-job-name={job.name}
                      >
                        <span className="worker-jobs__name">{job.name}</span>{" "}
                        <span className="worker-jobs__id">
                          {text.jobId}{" "}
                          <code title={job.id}>{job.id.slice(0, SHORT_ID_LENGTH)}</code>
                        </span>
                        <JobProgress job={job} now={now} />
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}

import { isTerminal, Job, type JobId } from "@jobs/domain"
import { Effect, Either } from "effect"
import { useId, useMemo, useState } from "react"
import { useApiCall } from "../api/ApiRuntimeContext"
import { JobsClient } from "../api/JobsClient"
import { useI18n } from "../i18n"
import { type ReasonMap, reasonFor } from "../state/jobList"
import { JobProgress } from "./JobProgress"
import { JobStatusBadge } from "./JobStatusBadge"

export interface JobListProps {
  readonly jobs: ReadonlyArray<Job.Job>
  readonly reasons: ReasonMap
  readonly loading: boolean
  readonly loadError: string | null
  readonly onRetry: () => void
  /** The page's shared clock, for the progress bars of RUNNING jobs. */
  readonly now: number
  /** Receives the job returned by a successful cancel, and the new job of a re-run. */
  readonly onJobChanged: (job: Job.Job) => void
  /** Asks for a fresh copy of a job whose cancel failed, as the shown status may be stale. */
  readonly onJobStale: (id: JobId) => void
}

interface CommandFailure {
  readonly command: "cancel" | "rerun"
  readonly jobName: string
  readonly message: string
}

// The transition table decides which jobs get a Cancel button (PENDING and RUNNING today).
const canCancel = (job: Job.Job): boolean => Job.allowedCommands(job.status).includes("cancel")

// A re-run starts a new job from a finished one: COMPLETED, CANCELLED or FAILED.
const canRerun = (job: Job.Job): boolean => isTerminal(job.status)

const without = (ids: ReadonlySet<JobId>, id: JobId): ReadonlySet<JobId> => {
  const next = new Set(ids)
  next.delete(id)
  return next
}

/**
 * Renders the jobs, newest first, with a Cancel button on each job that can still be cancelled
 * and a Re-run button on each finished one.
 */
export const JobList = ({
  jobs,
  reasons,
  loading,
  loadError,
  onRetry,
  now,
  onJobChanged,
  onJobStale,
}: JobListProps) => {
  const { language, messages } = useI18n()
  const text = messages.list
  const callApi = useApiCall()
  const headingId = useId()

  const [cancelling, setCancelling] = useState<ReadonlySet<JobId>>(new Set())
  const [rerunning, setRerunning] = useState<ReadonlySet<JobId>>(new Set())
  const [failure, setFailure] = useState<CommandFailure | null>(null)

  const dateFormat = useMemo(
    () => new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "medium" }),
    [language],
  )

  const cancel = async (job: Job.Job) => {
    setCancelling((ids) => new Set(ids).add(job.id))
    setFailure(null)

    const result = await callApi(
      Effect.flatMap(JobsClient, (client) => client.jobs.cancelJob({ path: { id: job.id } })),
    )

    setCancelling((ids) => without(ids, job.id))
    Either.match(result, {
      onLeft: (message) => {
        setFailure({ command: "cancel", jobName: job.name, message })
        onJobStale(job.id)
      },
      onRight: onJobChanged,
    })
  }

  // The new job also arrives as a JobCreated event; the list keeps one copy of it either way.
  const rerun = async (job: Job.Job) => {
    setRerunning((ids) => new Set(ids).add(job.id))
    setFailure(null)

    const result = await callApi(
      Effect.flatMap(JobsClient, (client) => client.jobs.rerunJob({ path: { id: job.id } })),
    )

    setRerunning((ids) => without(ids, job.id))
    Either.match(result, {
      onLeft: (message) => {
        setFailure({ command: "rerun", jobName: job.name, message })
        onJobStale(job.id)
      },
      onRight: onJobChanged,
    })
  }

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

      {failure !== null && (
        <p className="alert" role="alert">
          <strong>
            {failure.command === "cancel"
              ? text.cancelFailed(failure.jobName)
              : text.rerunFailed(failure.jobName)}
          </strong>{" "}
          {failure.message}
        </p>
      )}

      {loading && loadError === null && <p className="muted">{text.loading}</p>}
      {!loading && jobs.length === 0 && <p className="muted">{text.empty}</p>}

      {jobs.length > 0 && (
        <div className="table-scroll">
          <table className="job-table">
            <thead>
              <tr>
                <th scope="col">{text.columnName}</th>
                <th scope="col">{text.columnStatus}</th>
                <th scope="col">{text.columnDuration}</th>
                <th scope="col">{text.columnCreated}</th>
                <th scope="col">{text.columnActions}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((job) => (
                <tr
                  key={job.id}
                  data-job-id={job.id}
                  data-job-name={job.name}
                  data-version={job.version}
                >
                  <th scope="row" className="job-table__name">
                    <span className="job-table__name-text">{job.name}</span>
                  </th>
                  <td>
                    <JobStatusBadge status={job.status} />
                    <StatusDetail job={job} reasons={reasons} />
                    <JobProgress job={job} now={now} />
                  </td>
                  <td className="job-table__nowrap">{text.seconds(job.durationSeconds)}</td>
                  <td className="job-table__nowrap">
                    <time dateTime={job.createdAt.toISOString()}>
                      {dateFormat.format(job.createdAt)}
                    </time>
                  </td>
                  <td>
                    {canCancel(job) && (
                      <button
                        type="button"
                        className="button button--danger"
                        disabled={cancelling.has(job.id)}
                        onClick={() => void cancel(job)}
                      >
                        {cancelling.has(job.id) ? text.cancelling : text.cancel}
                        <span className="visually-hidden">: {job.name}</span>
                      </button>
                    )}
                    {canRerun(job) && (
                      <button
                        type="button"
                        className="button button--small"
                        disabled={rerunning.has(job.id)}
                        onClick={() => void rerun(job)}
                      >
                        {rerunning.has(job.id) ? text.rerunning : text.rerun}
                        <span className="visually-hidden">: {job.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

/**
 * Shows the worker of a RUNNING job, or the reason of a FAILED or requeued job when the page
 * has it.
 */
const StatusDetail = ({ job, reasons }: { readonly job: Job.Job; readonly reasons: ReasonMap }) => {
  const text = useI18n().messages.list
  const stored = reasonFor(reasons, job)

  if (stored !== undefined) {
    const label = stored.kind === "failed" ? text.failedReason : text.requeuedReason
    return (
      <p className="status-detail" data-reason={stored.kind}>
        {label} {stored.reason}
      </p>
    )
  }
  if (job.status === "RUNNING" && job.workerId !== null) {
    return (
      <p className="status-detail" data-worker-id={job.workerId}>
        {text.runningOn(job.workerId)}
      </p>
    )
  }
  return null
}

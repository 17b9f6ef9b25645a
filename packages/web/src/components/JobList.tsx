import { isTerminal, Job, type JobId, type JobStatus } from "@jobs/domain"
import { Effect, Either } from "effect"
import { type MouseEvent, useId, useMemo, useState } from "react"
import { useApiCall } from "../api/ApiRuntimeContext"
import { JobsClient } from "../api/JobsClient"
import { useDebouncedValue } from "../hooks/useDebouncedValue"
import { useJobCounts, useJobList } from "../hooks/useJobs"
import { useNow } from "../hooks/useNow"
import { useI18n } from "../i18n"
import { type ReasonMap, reasonFor } from "../state/jobList"
import { jobFilter } from "../state/jobPages"
import { JobFilters } from "./JobFilters"
import { JobProgress } from "./JobProgress"
import { JobStatusBadge } from "./JobStatusBadge"

export interface JobListProps {
  readonly reasons: ReasonMap
  /** Receives the job returned by a successful cancel, and the new job of a re-run. */
  readonly onJobChanged: (job: Job.Job) => void
  /** Asks for a fresh copy of a job whose cancel failed, as the shown status may be stale. */
  readonly onJobStale: (id: JobId) => void
  /** Called with the job's id when the user activates its name. */
  readonly onSelectJob: (id: JobId) => void
  readonly selectedJobId: JobId | null
}

// The list follows the search box once typing has paused this long, so a fast typist does not
// send a request per key.
const SEARCH_DEBOUNCE_MS = 250

// The progress bars of RUNNING jobs move in whole seconds, so one tick a second is enough.
const PROGRESS_TICK_MS = 1_000

/** The hash route of a job's detail, which App reads back after a reload. */
export const jobHref = (id: JobId): string => `#/jobs/${id}`

// A click with a modifier key keeps the browser's own meaning (open in a new tab, say).
const isPlainClick = (click: MouseEvent): boolean =>
  click.button === 0 && !click.metaKey && !click.ctrlKey && !click.shiftKey && !click.altKey

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
 * Renders the jobs of the chosen status and search, newest first, a page at a time, with a
 * Cancel button on each job that can still be cancelled and a Re-run button on each finished
 * one. A job's name opens its details.
 */
export const JobList = ({
  reasons,
  onJobChanged,
  onJobStale,
  onSelectJob,
  selectedJobId,
}: JobListProps) => {
  const { language, messages } = useI18n()
  const text = messages.list
  const callApi = useApiCall()
  const headingId = useId()

  const [status, setStatus] = useState<JobStatus | null>(null)
  const [search, setSearch] = useState("")
  const settledSearch = useDebouncedValue(search, SEARCH_DEBOUNCE_MS)
  const filter = useMemo(() => jobFilter(status, settledSearch), [status, settledSearch])
  const list = useJobList(filter)
  const counts = useJobCounts(filter.q)
  const { jobs, loading, loadError } = list

  const anyRunning = jobs.some((job) => job.status === "RUNNING")
  const now = useNow(PROGRESS_TICK_MS, anyRunning)

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

      <JobFilters
        status={status}
        onStatusChange={setStatus}
        search={search}
        onSearchChange={setSearch}
        counts={counts}
      />

      {loadError !== null && (
        <div className="alert" role="alert">
          <p>
            <strong>{text.loadFailed}</strong> {loadError}
          </p>
          <button type="button" className="button" onClick={list.reload}>
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
      {!loading && loadError === null && jobs.length === 0 && (
        <p className="muted" data-empty-list>
          {filter.status === null && filter.q === ""
            ? text.empty
            : text.emptyFiltered(filter.status, filter.q)}
        </p>
      )}

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
                    <a
                      className="job-table__name-text"
                      href={jobHref(job.id)}
                      aria-current={job.id === selectedJobId ? "true" : undefined}
                      onClick={(click) => {
                        if (isPlainClick(click)) {
                          click.preventDefault()
                          onSelectJob(job.id)
                        }
                      }}
                    >
                      {job.name}
                      <span className="visually-hidden"> {text.openDetail}</span>
                    </a>
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

      {list.hasMore && (
        <div className="load-more">
          <button
            type="button"
            className="button"
            disabled={list.loadingMore}
            onClick={list.loadMore}
          >
            {list.loadingMore ? text.loadingMore : text.loadMore}
          </button>
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

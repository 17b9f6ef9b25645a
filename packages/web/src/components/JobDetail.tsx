/**
 * Containers of the two event views: they load with TanStack Query, listen to the event
 * stream and call the API; JobTimeline and EventStreamPanel only render.
 */
import { isJobEvent, Job, type JobId } from "@jobs/domain"
import { useQuery, useQueryClient } from "@tanstack/react-query"
import { Effect, Either } from "effect"
import { useCallback, useEffect, useId, useMemo, useState } from "react"
import { useApiQuery, useApiRuntime } from "../api/ApiRuntimeContext"
import { type ApiFailure, describeApiFailure } from "../api/failures"
import { JobsClient } from "../api/JobsClient"
import { useEventViewsText } from "../eventViewsText"
import { useJobEvents } from "../hooks/useJobEvents"
import { useI18n } from "../i18n"
import { describeQueryKey } from "../state/eventStream"
import {
  addLive,
  currentStatus,
  emptyTimeline,
  type JobAction,
  mergeLog,
  shortId,
  type Timeline,
} from "../state/timeline"
import { EventStreamPanel, useEventStreamState } from "./EventStreamPanel"
import { JobStatusBadge } from "./JobStatusBadge"
import { JobTimeline } from "./JobTimeline"
import "../eventViews.css"

/** Query key of one job, shared with any other view that caches single jobs. */
export const jobQueryKey = (id: JobId) => ["job", id] as const

/** Query key of one job's event log. */
export const jobEventsQueryKey = (id: JobId) => ["jobEvents", id] as const

// The HTTP statuses the contract (Api.ts) declares for these errors, shown with a rejection so
// that it reads like the response it was.
const httpStatusOf: Readonly<Partial<Record<ApiFailure["_tag"], number>>> = {
  HttpApiDecodeError: 400,
  JobNotFound: 404,
  InvalidJobTransition: 409,
  JobNotFinished: 409,
  ServiceUnavailable: 503,
}

/** Keeps whichever copy of a job is newer, so a late response never rolls the cache back. */
const newer = (cached: Job.Job | undefined, incoming: Job.Job): Job.Job =>
  cached !== undefined && cached.version > incoming.version ? cached : incoming

/**
 * Runs a command and describes a failure with the error's name and HTTP status, so that the
 * learner can tell which response the API sent.
 */
const useCommandCall = () => {
  const runtime = useApiRuntime()
  const { messages } = useI18n()
  return useCallback(
    <A,>(call: Effect.Effect<A, ApiFailure, JobsClient>): Promise<Either.Either<A, string>> =>
      runtime.runPromise(Effect.either(call)).then(
        (result) =>
          Either.mapLeft(result, (error) => {
            const status = httpStatusOf[error._tag]
            const answer = status === undefined ? error._tag : `HTTP ${status} ${error._tag}`
            return `${answer}: ${describeApiFailure(error, messages.failures)}`
          }),
        (defect: unknown) => {
          console.error("API call failed unexpectedly", defect)
          return Either.left(messages.failures.unexpected)
        },
      ),
    [runtime, messages],
  )
}

const commandOf = (action: JobAction, id: JobId) =>
  Effect.flatMap(
    JobsClient,
    (client): Effect.Effect<Job.Job, ApiFailure> =>
      action === "cancel"
        ? client.jobs.cancelJob({ path: { id } })
        : client.jobs.rerunJob({ path: { id } }),
  )

export interface JobDetailProps {
  readonly jobId: JobId
  readonly onClose: () => void
  /** Opens another job, offered after a re-run created one. Without it the page only names it. */
  readonly onOpenJob?: (id: JobId) => void
}

/**
 * One job with its event timeline, live: the job and its log come from the API, new events
 * from the event stream. After a reconnection both are fetched again, because events sent
 * while the stream was down are not replayed.
 */
export const JobDetail = (props: JobDetailProps) => (
  // A new key per job, so the live entries and rejections of one job never show on another.
  <JobDetailView key={props.jobId} {...props} />
)

const JobDetailView = ({ jobId, onClose, onOpenJob }: JobDetailProps) => {
  const text = useEventViewsText()
  const queryClient = useQueryClient()
  const queryCall = useApiQuery()
  const commandCall = useCommandCall()
  const headingId = useId()

  const jobQuery = useQuery({
    queryKey: jobQueryKey(jobId),
    queryFn: () =>
      queryCall(
        Effect.flatMap(JobsClient, (client) => client.jobs.getJob({ path: { id: jobId } })),
      ),
  })
  const logQuery = useQuery({
    queryKey: jobEventsQueryKey(jobId),
    queryFn: () =>
      queryCall(
        Effect.flatMap(JobsClient, (client) => client.jobs.getJobEvents({ path: { id: jobId } })),
      ),
  })

  const [live, setLive] = useState<Timeline>(emptyTimeline)
  const [busy, setBusy] = useState<JobAction | null>(null)
  const [rejections, setRejections] = useState<Readonly<Partial<Record<JobAction, string>>>>({})
  const [rerunId, setRerunId] = useState<JobId | null>(null)

  const refetchJob = jobQuery.refetch
  const refetchLog = logQuery.refetch

  useJobEvents({
    onEvent: (event, arrival) => {
      if (!isJobEvent(event) || event.jobId !== jobId) {
        return
      }
      setLive((timeline) => addLive(timeline, event, arrival.receivedAt))
      queryClient.setQueryData<Job.Job>(jobQueryKey(jobId), (job) => Job.applyEvent(job, event))
    },
    onOpen: (opening) => {
      if (opening.reconnect) {
        void refetchJob()
        void refetchLog()
      }
    },
  })

  const timeline = useMemo(() => mergeLog(live, logQuery.data?.items ?? []), [live, logQuery.data])
  const job = jobQuery.data
  const status = currentStatus(timeline, job)

  const run = async (action: JobAction) => {
    setBusy(action)
    setRejections((current) => ({ ...current, [action]: undefined }))
    setRerunId(null)

    const result = await commandCall(commandOf(action, jobId))

    setBusy(null)
    Either.match(result, {
      onLeft: (message) => {
        setRejections((current) => ({ ...current, [action]: message }))
        // The rejection may mean that the page's status is stale.
        void refetchJob()
      },
      onRight: (changed) => {
        if (action === "cancel") {
          queryClient.setQueryData<Job.Job>(jobQueryKey(jobId), (cached) => newer(cached, changed))
        } else {
          queryClient.setQueryData<Job.Job>(jobQueryKey(changed.id), changed)
          setRerunId(changed.id)
        }
      },
    })
  }

  return (
    <section className="panel job-detail" aria-labelledby={headingId} data-job-id={jobId}>
      <div className="job-detail__header">
        <h2 id={headingId}>{text.detail.heading(job?.name ?? shortId(jobId))}</h2>
        <button type="button" className="button" onClick={onClose}>
          {text.detail.close}
        </button>
      </div>

      {jobQuery.isPending && <p role="status">{text.detail.loadingJob}</p>}
      {jobQuery.error !== null && (
        <p className="event-views__error" role="alert">
          <strong>{text.detail.jobLoadFailed}</strong> {jobQuery.error.message}
        </p>
      )}

      <dl className="event-facts job-detail__facts">
        <div>
          <dt>{text.detail.idLabel}</dt>
          <dd>
            <code>{jobId}</code>
          </dd>
        </div>
        {status !== undefined && (
          <div>
            <dt>{text.detail.statusLabel}</dt>
            <dd>
              <JobStatusBadge status={status} />
            </dd>
          </div>
        )}
      </dl>

      <JobTimeline
        entries={timeline}
        status={status}
        loading={logQuery.isPending}
        loadError={logQuery.error?.message ?? null}
        busy={busy}
        rejections={rejections}
        onAction={(action) => void run(action)}
      />

      {rerunId !== null && (
        <p role="status" className="job-detail__rerun">
          {text.timeline.rerunCreated(shortId(rerunId))}{" "}
          {onOpenJob !== undefined && (
            <button type="button" className="button" onClick={() => onOpenJob(rerunId)}>
              {text.timeline.openNewJob}
            </button>
          )}
        </p>
      )}
    </section>
  )
}

export interface LiveEventStreamProps {
  /** A job's name from elsewhere on the page, for jobs created before this tab listened. */
  readonly findJobName?: (jobId: JobId) => string | undefined
}

/**
 * Renders the live event stream panel, fed by the tab's event stream. It marks each
 * reconnection and lists the queries the page fetched again right after it.
 */
export const LiveEventStream = ({ findJobName }: LiveEventStreamProps) => {
  const stream = useEventStreamState()
  const queryClient = useQueryClient()
  const { receive, markReconnect, recordRefetch } = stream

  useJobEvents({
    onEvent: (event, arrival) => receive(event, arrival.raw, arrival.receivedAt),
    onOpen: (opening) => {
      if (opening.reconnect) {
        markReconnect(opening.openedAt)
      }
    },
  })

  // A fetch that starts is an "updated" cache event with a "fetch" action.
  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        if (event.type === "updated" && event.action.type === "fetch") {
          recordRefetch(describeQueryKey(event.query.queryKey), Date.now())
        }
      }),
    [queryClient, recordRefetch],
  )

  const nameOf = useCallback(
    (jobId: JobId) =>
      findJobName?.(jobId) ?? queryClient.getQueryData<Job.Job>(jobQueryKey(jobId))?.name,
    [findJobName, queryClient],
  )

  return (
    <EventStreamPanel
      state={stream.state}
      onPause={stream.pause}
      onResume={stream.resume}
      findJobName={nameOf}
    />
  )
}

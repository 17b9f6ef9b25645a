/**
 * The job list of the page: the first page from listJobs, kept current by the live events.
 *
 * The first page is loaded on mount and again on every (re)open of the event stream, because
 * events sent while the stream was down are lost. An event about a job the page does not have
 * yet (a JobStarted that overtook the first page, say) makes the page fetch that one job.
 * The reasons of JobFailed and JobRequeued events are kept beside the jobs, because the job
 * JSON of the API does not carry them.
 */
import { DEFAULT_PAGE_SIZE, type DomainEvent, isJobEvent, type Job, type JobId } from "@jobs/domain"
import { Effect, Either } from "effect"
import { useCallback, useEffect, useMemo, useRef, useState } from "react"
import { useApiCall } from "../api/ApiRuntimeContext"
import { JobsClient } from "../api/JobsClient"
import {
  applyJobEvent,
  emptyJobMap,
  emptyReasonMap,
  type JobMap,
  mergeJob,
  mergeJobs,
  newestFirst,
  type ReasonMap,
  recordReason,
} from "../state/jobList"
import { type ConnectionState, useJobEvents } from "./useJobEvents"

const fetchFirstPage = Effect.flatMap(JobsClient, (client) =>
  client.jobs.listJobs({ urlParams: { limit: DEFAULT_PAGE_SIZE } }),
)

const fetchJob = (id: JobId) =>
  Effect.flatMap(JobsClient, (client) => client.jobs.getJob({ path: { id } }))

export interface JobsView {
  /** All jobs on the page, newest first. */
  readonly jobs: ReadonlyArray<Job.Job>
  /** Reasons from the JobFailed and JobRequeued events received; read them with `reasonFor`. */
  readonly reasons: ReasonMap
  /** True until the first page has been loaded once. */
  readonly loading: boolean
  /** Message of the last failed page load, or null after a successful one. */
  readonly loadError: string | null
  readonly connection: ConnectionState
  readonly reload: () => void
  /** Merges a job returned by an API call (create, cancel) into the list. */
  readonly receiveJob: (job: Job.Job) => void
  /** Fetches one job and merges it, for when the page's copy may be stale. */
  readonly refreshJob: (id: JobId) => void
  /** The page's current copy of a job; stable, so other hooks may call it from their handlers. */
  readonly findJob: (id: JobId) => Job.Job | undefined
}

export const useJobs = (): JobsView => {
  const callApi = useApiCall()

  // The ref is the current map for event handlers and async callbacks; the state re-renders.
  const jobsRef = useRef<JobMap>(emptyJobMap)
  const [jobMap, setJobMap] = useState<JobMap>(emptyJobMap)
  const [reasons, setReasons] = useState<ReasonMap>(emptyReasonMap)
  const [loading, setLoading] = useState(true)
  const [loadError, setLoadError] = useState<string | null>(null)

  const update = useCallback((change: (jobs: JobMap) => JobMap) => {
    const next = change(jobsRef.current)
    if (next !== jobsRef.current) {
      jobsRef.current = next
      setJobMap(next)
    }
  }, [])

  const receiveJob = useCallback((job: Job.Job) => update((jobs) => mergeJob(jobs, job)), [update])

  const reload = useCallback(() => {
    void callApi(fetchFirstPage).then((result) =>
      Either.match(result, {
        onLeft: (message) => setLoadError(message),
        onRight: (page) => {
          update((jobs) => mergeJobs(jobs, page.items))
          setLoading(false)
          setLoadError(null)
        },
      }),
    )
  }, [callApi, update])

  const refreshJob = useCallback(
    (id: JobId) => {
      void callApi(fetchJob(id)).then((result) =>
        Either.match(result, {
          onLeft: (message) => console.warn("could not refresh a job", { id, message }),
          onRight: receiveJob,
        }),
      )
    },
    [callApi, receiveJob],
  )

  const findJob = useCallback((id: JobId) => jobsRef.current.get(id), [])

  const onEvent = useCallback(
    (event: DomainEvent) => {
      if (!isJobEvent(event)) {
        return
      }
      const result = applyJobEvent(jobsRef.current, event)
      update(() => result.jobs)
      setReasons((current) => recordReason(current, event))
      if (result.jobMissing) {
        refreshJob(event.jobId)
      }
    },
    [update, refreshJob],
  )

  const connection = useJobEvents({ onEvent, onOpen: reload })

  useEffect(() => {
    reload()
  }, [reload])

  const jobs = useMemo(() => newestFirst(jobMap), [jobMap])

  return {
    jobs,
    reasons,
    loading,
    loadError,
    connection,
    reload,
    receiveJob,
    refreshJob,
    findJob,
  }
}

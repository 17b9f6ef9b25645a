/**
 * The worker panel's state: the list from listWorkers, kept current by the live events.
 *
 * Like the job list, the list is loaded on mount and again on every (re)open of the event
 * stream, because events sent while the stream was down are lost. Worker events change the
 * workers; job events move jobs onto and off them. A JobStarted needs the job's name and
 * duration, which the event lacks: they come from the job list's copy (`findJob`), or from
 * getJob when the page has no copy.
 */
import { type DomainEvent, isJobEvent, type Job, type JobId, type WorkerView } from "@jobs/domain"
import { Effect, Either } from "effect"
import { useCallback, useEffect, useMemo, useRef, useState } from "react"
import { useApiCall } from "../api/ApiRuntimeContext"
import { JobsClient } from "../api/JobsClient"
import {
  applyJobEventToWorkers,
  applyWorkerEvent,
  emptyWorkerMap,
  fromWorkerList,
  placeJob,
  type WorkerMap,
  workerOrder,
} from "../state/workerList"
import { useJobEvents } from "./useJobEvents"

const fetchWorkers = Effect.flatMap(JobsClient, (client) => client.workers.listWorkers())

const fetchJob = (id: JobId) =>
  Effect.flatMap(JobsClient, (client) => client.jobs.getJob({ path: { id } }))

export interface WorkersView {
  /** Workers not stopped first, then the stopped ones (see `workerOrder`). */
  readonly workers: ReadonlyArray<WorkerView>
  /** True until the list has been loaded once. */
  readonly loading: boolean
  /** Message of the last failed load, or null after a successful one. */
  readonly loadError: string | null
  readonly reload: () => void
}

export const useWorkers = (findJob: (id: JobId) => Job.Job | undefined): WorkersView => {
  const callApi = useApiCall()

  // The ref is the current map for event handlers and async callbacks; the state re-renders.
  const workersRef = useRef<WorkerMap>(emptyWorkerMap)
  const [workerMap, setWorkerMap] = useState<WorkerMap>(emptyWorkerMap)
  const [loading, setLoading] = useState(true)
  const [loadError, setLoadError] = useState<string | null>(null)

  const update = useCallback((next: WorkerMap) => {
    if (next !== workersRef.current) {
      workersRef.current = next
      setWorkerMap(next)
    }
  }, [])

  // NOTE: the response replaces the whole map, so an event that arrives while the request is
  // in flight can be undone by an older list. The next (re)open of the stream loads it again.
  const reload = useCallback(() => {
    void callApi(fetchWorkers).then((result) =>
      Either.match(result, {
        onLeft: setLoadError,
        onRight: (list) => {
          update(fromWorkerList(list.items))
          setLoading(false)
          setLoadError(null)
        },
      }),
    )
  }, [callApi, update])

  const placeFetchedJob = useCallback(
    (id: JobId) => {
      void callApi(fetchJob(id)).then((result) =>
        Either.match(result, {
          onLeft: (message) => console.warn("could not fetch a started job", { id, message }),
          onRight: (job) => {
            const placed = placeJob(workersRef.current, job)
            update(placed.workers)
            if (placed.workerMissing) {
              reload()
            }
          },
        }),
      )
    },
    [callApi, update, reload],
  )

  const onEvent = useCallback(
    (event: DomainEvent) => {
      if (isJobEvent(event)) {
        const result = applyJobEventToWorkers(workersRef.current, event, findJob(event.jobId))
        update(result.workers)
        if (result.workerMissing) {
          reload()
        } else if (result.jobMissing !== null) {
          placeFetchedJob(result.jobMissing)
        }
        return
      }
      const result = applyWorkerEvent(workersRef.current, event)
      update(result.workers)
      if (result.workerMissing) {
        reload()
      }
    },
    [findJob, update, reload, placeFetchedJob],
  )

  useJobEvents({ onEvent, onOpen: reload })

  useEffect(() => {
    reload()
  }, [reload])

  const workers = useMemo(() => workerOrder(workerMap), [workerMap])

  return { workers, loading, loadError, reload }
}

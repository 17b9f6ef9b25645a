/**
 * The worker panel's state: the list from listWorkers in TanStack Query, kept current by the
 * live events.
 *
 * The list is invalidated on every (re)open of the event stream (see useLiveJobCache), because
 * events sent while the stream was down are lost. Worker events change the workers; job events
 * move jobs onto and off them. A JobStarted needs the job's name and duration, which the event
 * lacks: they come from the job list's cached copy (`findJob`), or from getJob when no list has
 * it.
 */
import { type DomainEvent, isJobEvent, type Job, type JobId, type WorkerView } from "@jobs/domain"
import { useQuery, useQueryClient } from "@tanstack/react-query"
import { Either } from "effect"
import { useCallback, useMemo } from "react"
import { useApiCall, useApiQuery } from "../api/ApiRuntimeContext"
import {
  applyJobEventToWorkers,
  applyWorkerEvent,
  emptyWorkerMap,
  fromWorkerList,
  placeJob,
  type WorkerMap,
  workerOrder,
} from "../state/workerList"
import { fetchJob, fetchWorkers, workersKey } from "./jobQueries"
import { useJobEvents } from "./useJobEvents"

export interface WorkersView {
  /** Workers not stopped first, then the stopped ones (see `workerOrder`). */
  readonly workers: ReadonlyArray<WorkerView>
  /** True until the list has been loaded once. */
  readonly loading: boolean
  /** Message of the last failed load, or null. */
  readonly loadError: string | null
  readonly reload: () => void
}

export const useWorkers = (findJob: (id: JobId) => Job.Job | undefined): WorkersView => {
  const queryClient = useQueryClient()
  const runQuery = useApiQuery()
  const callApi = useApiCall()

  // NOTE: a response replaces the whole map, so an event that arrives while the request is in
  // flight can be undone by an older list. The next (re)open of the stream loads it again.
  const query = useQuery({
    queryKey: workersKey,
    queryFn: () => runQuery(fetchWorkers).then((list): WorkerMap => fromWorkerList(list.items)),
  })

  const current = useCallback(
    (): WorkerMap => queryClient.getQueryData<WorkerMap>(workersKey) ?? emptyWorkerMap,
    [queryClient],
  )
  const update = useCallback(
    (next: WorkerMap) => {
      if (next !== current()) {
        queryClient.setQueryData(workersKey, next)
      }
    },
    [queryClient, current],
  )
  const reload = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: workersKey })
  }, [queryClient])

  const placeFetchedJob = useCallback(
    (id: JobId) => {
      void callApi(fetchJob(id)).then((result) =>
        Either.match(result, {
          onLeft: (message) => console.warn("could not fetch a started job", { id, message }),
          onRight: (job) => {
            const placed = placeJob(current(), job)
            update(placed.workers)
            if (placed.workerMissing) {
              reload()
            }
          },
        }),
      )
    },
    [callApi, current, update, reload],
  )

  const onEvent = useCallback(
    (event: DomainEvent) => {
      if (isJobEvent(event)) {
        const result = applyJobEventToWorkers(current(), event, findJob(event.jobId))
        update(result.workers)
        if (result.workerMissing) {
          reload()
        } else if (result.jobMissing !== null) {
          placeFetchedJob(result.jobMissing)
        }
        return
      }
      const result = applyWorkerEvent(current(), event)
      update(result.workers)
      if (result.workerMissing) {
        reload()
      }
    },
    [current, findJob, update, reload, placeFetchedJob],
  )

  // The stream's (re)open invalidates every query, this one included, in useLiveJobCache.
  useJobEvents({ onEvent, onOpen: () => undefined })

  const workers = useMemo(() => workerOrder(query.data ?? emptyWorkerMap), [query.data])

  return {
    workers,
    loading: query.isPending,
    loadError: query.error?.message ?? null,
    reload,
  }
}

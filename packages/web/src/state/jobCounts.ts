/**
 * The cached counts of GET /api/jobs/counts?q=, moved by live events so the status filter shows
 * current numbers without a request per event.
 *
 * Each transition moves one job from the status before to the status after. The status before
 * follows from the transition table, except for a cancel, whose event names it. Whether the job
 * matches the search needs its name, which only JobCreated carries: for a search, the caller
 * passes a cached copy of the job, and without one the counts cannot be moved and must be
 * fetched again.
 */
import { Job, type JobCountsResponse, type JobEvent, type JobStatus } from "@jobs/domain"

export type JobCounts = typeof JobCountsResponse.Type

/** Returns the status a job had before the event, or null for JobCreated, which adds a job. */
export const statusBefore = (event: JobEvent): JobStatus | null => {
  switch (event._tag) {
    case "JobCreated":
      return null
    case "JobStarted":
      return "PENDING"
    case "JobCancelled":
      return event.previousStatus
    case "JobCompleted":
    case "JobFailed":
    case "JobRequeued":
      return "RUNNING"
  }
}

export type CountsUpdate =
  | { readonly _tag: "Moved"; readonly counts: JobCounts }
  | { readonly _tag: "Unchanged" }
  /** The event may change these counts, but the job's name is unknown: fetch them again. */
  | { readonly _tag: "Refetch" }

/**
 * Applies one event to the counts of the search `q`. `known` is any cached copy of the job,
 * used only to decide whether its name matches `q`.
 */
export const applyEventToCounts = (
  counts: JobCounts,
  q: string,
  event: JobEvent,
  known: { readonly name: string } | undefined,
): CountsUpdate => {
  const name = event._tag === "JobCreated" ? event.name : known?.name
  if (q !== "") {
    if (name === undefined) {
      return { _tag: "Refetch" }
    }
    if (!Job.matchesSearch({ name, id: event.jobId }, q)) {
      return { _tag: "Unchanged" }
    }
  }

  const before = statusBefore(event)
  const after = Job.statusAfter[event._tag]
  if (before === after) {
    return { _tag: "Unchanged" }
  }
  const moved = { ...counts, [after]: counts[after] + 1 }
  if (before === null) {
    return { _tag: "Moved", counts: { ...moved, total: counts.total + 1 } }
  }
  return { _tag: "Moved", counts: { ...moved, [before]: Math.max(counts[before] - 1, 0) } }
}

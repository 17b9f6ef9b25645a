/**
 * The browser's copy of the jobs, keyed by id. Jobs arrive from three sources in any order:
 * pages from listJobs, single jobs from getJob/createJob/cancelJob, and events over SSE. Each
 * merge keeps the copy with the higher version, so a late or repeated response never replaces
 * a newer state.
 */
import { Job, type JobEvent, type JobId } from "@jobs/domain"

export type JobMap = ReadonlyMap<JobId, Job.Job>

export const emptyJobMap: JobMap = new Map()

/** Adds or replaces one job unless the map already contains the same or a newer version. */
export const mergeJob = (jobs: JobMap, job: Job.Job): JobMap => {
  const current = jobs.get(job.id)
  if (current !== undefined && current.version >= job.version) {
    return jobs
  }
  return new Map(jobs).set(job.id, job)
}

export const mergeJobs = (jobs: JobMap, incoming: Iterable<Job.Job>): JobMap => {
  let merged = jobs
  for (const job of incoming) {
    merged = mergeJob(merged, job)
  }
  return merged
}

export interface EventResult {
  readonly jobs: JobMap
  /**
   * True when the event is about a job this map does not hold and the event alone cannot
   * build it (anything but JobCreated): the caller should fetch that job.
   */
  readonly jobMissing: boolean
}

/** Applies an event with `Job.applyEvent`, which ignores events not newer than the job. */
export const applyJobEvent = (jobs: JobMap, event: JobEvent): EventResult => {
  const current = jobs.get(event.jobId)
  const next = Job.applyEvent(current, event)
  if (next === undefined) {
    return { jobs, jobMissing: true }
  }
  if (next === current) {
    return { jobs, jobMissing: false }
  }
  return { jobs: new Map(jobs).set(next.id, next), jobMissing: false }
}

/** Newest first: createdAt descending, then id descending, the order of the API's list. */
export const newestFirst = (jobs: JobMap): ReadonlyArray<Job.Job> =>
  [...jobs.values()].sort(Job.compareNewestFirst)

/**
 * The reason that came with a JobFailed or JobRequeued event. The job JSON of the API does not
 * carry it, so the page has it only for the events it received over SSE.
 */
export interface StatusReason {
  readonly kind: "failed" | "requeued"
  readonly reason: string
  /** The job version the event produced: the reason describes that version only. */
  readonly jobVersion: number
}

export type ReasonMap = ReadonlyMap<JobId, StatusReason>

export const emptyReasonMap: ReasonMap = new Map()

/** Stores the reason of a JobFailed or JobRequeued event, unless a newer one is already stored. */
export const recordReason = (reasons: ReasonMap, event: JobEvent): ReasonMap => {
  switch (event._tag) {
    case "JobFailed":
    case "JobRequeued": {
      const current = reasons.get(event.jobId)
      if (current !== undefined && current.jobVersion >= event.jobVersion) {
        return reasons
      }
      const kind = event._tag === "JobFailed" ? "failed" : "requeued"
      return new Map(reasons).set(event.jobId, {
        kind,
        reason: event.reason,
        jobVersion: event.jobVersion,
      })
    }
    case "JobCreated":
    case "JobStarted":
    case "JobCompleted":
    case "JobCancelled":
      return reasons
  }
}

/** The stored reason of a job when it describes the version shown, otherwise undefined. */
export const reasonFor = (reasons: ReasonMap, job: Job.Job): StatusReason | undefined => {
  const stored = reasons.get(job.id)
  return stored?.jobVersion === job.version ? stored : undefined
}

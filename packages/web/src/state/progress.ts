/**
 * Progress of a RUNNING job, computed in the browser from the job's `startedAt` and
 * `durationSeconds`. The server sends no event per second: the page re-renders on its own clock
 * (see `useNow`) and derives the elapsed time from these two fields.
 */
import type { Job } from "@jobs/domain"

export interface Progress {
  /** Whole seconds since the job started, within [0, totalSeconds]. */
  readonly elapsedSeconds: number
  readonly totalSeconds: number
}

/**
 * Computes the whole seconds between `startedAt` and `nowMs`, clamped to [0, durationSeconds].
 * `startedAt` comes from the worker's clock and `nowMs` from the browser's, so a skew between
 * the two can give a negative time or one past the duration, and the clamp hides both.
 */
export const elapsedSeconds = (startedAt: Date, nowMs: number, durationSeconds: number): number => {
  const elapsed = Math.floor((nowMs - startedAt.getTime()) / 1000)
  if (Number.isNaN(elapsed)) {
    return 0
  }
  return Math.min(Math.max(elapsed, 0), durationSeconds)
}

/** Returns the progress of a RUNNING job at `nowMs`, or undefined for a job in any other status. */
export const progressOf = (job: Job.Job, nowMs: number): Progress | undefined => {
  if (job.status !== "RUNNING" || job.startedAt === null) {
    return undefined
  }
  return {
    elapsedSeconds: elapsedSeconds(job.startedAt, nowMs, job.durationSeconds),
    totalSeconds: job.durationSeconds,
  }
}

/** The share of the job done, from 0 to 1. A 0-second job counts as done. */
export const progressFraction = (progress: Progress): number =>
  progress.totalSeconds === 0 ? 1 : progress.elapsedSeconds / progress.totalSeconds

import {
  DurationSeconds,
  Job,
  JobCompleted,
  JobCreated,
  JobId,
  JobName,
  JobRequeued,
  JobStarted,
} from "@jobs/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  applyJobEvent,
  emptyJobMap,
  emptyReasonMap,
  mergeJob,
  mergeJobs,
  newestFirst,
  reasonFor,
  recordReason,
} from "../src/state/jobList"

const meta = (second: number) => ({
  eventId: crypto.randomUUID(),
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)),
  producer: "test",
})

const created = (name: string, second: number) =>
  Job.create(
    {
      id: JobId.make(crypto.randomUUID()),
      name: JobName.make(name),
      durationSeconds: DurationSeconds.make(2),
    },
    meta(second),
  )

const started = (job: Job.Job) => Either.getOrThrow(Job.start(job, "worker-a", meta(10)))

const requeued = (job: Job.Job) =>
  Either.getOrThrow(Job.release(job, "worker-a shut down before the end", meta(11)))

const failed = (job: Job.Job) =>
  Either.getOrThrow(Job.fail(job, "worker-a stopped sending heartbeats", meta(12)))

describe("job list state", () => {
  it("merge keeps the newer version of a job", () => {
    const { job } = created("a", 0)
    const running = started(job).job

    const merged = mergeJob(mergeJob(emptyJobMap, running), job)

    expect(merged.get(job.id)?.status).toBe("RUNNING")
  })

  it("merge of an equal version returns the same map", () => {
    const { job } = created("a", 0)
    const jobs = mergeJob(emptyJobMap, job)

    expect(mergeJob(jobs, job)).toBe(jobs)
  })

  it("event newer than the shown job replaces it", () => {
    const { job } = created("a", 0)
    const { event } = started(job)

    const result = applyJobEvent(mergeJob(emptyJobMap, job), event)

    expect(result.jobMissing).toBe(false)
    expect(result.jobs.get(job.id)?.status).toBe("RUNNING")
  })

  it("event not newer than the shown job is ignored", () => {
    const { job, event } = created("a", 0)
    const jobs = mergeJob(emptyJobMap, started(job).job)

    const result = applyJobEvent(jobs, event)

    expect(result.jobs).toBe(jobs)
    expect(result.jobMissing).toBe(false)
  })

  it("JobCreated for an unknown job adds it", () => {
    const { job, event } = created("a", 0)

    const result = applyJobEvent(emptyJobMap, event)

    expect(event).toBeInstanceOf(JobCreated)
    expect(result.jobs.get(job.id)?.name).toBe("a")
    expect(result.jobMissing).toBe(false)
  })

  it("JobStarted for an unknown job asks for a fetch", () => {
    const { job } = created("a", 0)
    const { event } = started(job)

    const result = applyJobEvent(emptyJobMap, event)

    expect(event).toBeInstanceOf(JobStarted)
    expect(result.jobs.size).toBe(0)
    expect(result.jobMissing).toBe(true)
  })

  it("JobCompleted after a reconnect jumps over a missed JobStarted", () => {
    const { job } = created("a", 0)
    const running = started(job).job
    const completion = Either.getOrThrow(Job.complete(running, meta(12)))

    const result = applyJobEvent(mergeJob(emptyJobMap, job), completion.event)

    expect(completion.event).toBeInstanceOf(JobCompleted)
    expect(result.jobs.get(job.id)?.status).toBe("COMPLETED")
    expect(result.jobs.get(job.id)?.version).toBe(3)
  })

  it("JobRequeued shows a running job as PENDING again", () => {
    const running = started(created("a", 0).job).job
    const { event } = requeued(running)

    const result = applyJobEvent(mergeJob(emptyJobMap, running), event)

    expect(event).toBeInstanceOf(JobRequeued)
    expect(result.jobs.get(running.id)?.status).toBe("PENDING")
    expect(result.jobs.get(running.id)?.workerId).toBeNull()
    expect(result.jobs.get(running.id)?.startedAt).toBeNull()
  })

  it("JobStarted records the worker of the job", () => {
    const { job } = created("a", 0)

    const result = applyJobEvent(mergeJob(emptyJobMap, job), started(job).event)

    expect(result.jobs.get(job.id)?.workerId).toBe("worker-a")
  })

  it("list is ordered newest first", () => {
    const older = created("older", 0).job
    const newer = created("newer", 5).job

    const names = newestFirst(mergeJobs(emptyJobMap, [older, newer])).map((job) => job.name)

    expect(names).toEqual(["newer", "older"])
  })
})

describe("status reasons", () => {
  it("reason of JobFailed belongs to the failed job", () => {
    const failure = failed(started(created("a", 0).job).job)

    const reasons = recordReason(emptyReasonMap, failure.event)

    expect(reasonFor(reasons, failure.job)).toEqual({
      kind: "failed",
      reason: "worker-a stopped sending heartbeats",
      jobVersion: failure.job.version,
    })
  })

  it("reason of JobRequeued disappears once the job starts again", () => {
    const release = requeued(started(created("a", 0).job).job)
    const restarted = started(release.job).job

    const reasons = recordReason(emptyReasonMap, release.event)

    expect(reasonFor(reasons, release.job)?.kind).toBe("requeued")
    expect(reasonFor(reasons, restarted)).toBeUndefined()
  })

  it("older reason does not replace a newer one", () => {
    const release = requeued(started(created("a", 0).job).job)
    const failure = failed(started(release.job).job)

    const reasons = recordReason(recordReason(emptyReasonMap, failure.event), release.event)

    expect(reasonFor(reasons, failure.job)?.kind).toBe("failed")
  })

  it("events without a reason leave the reasons unchanged", () => {
    const { job, event } = created("a", 0)

    expect(recordReason(emptyReasonMap, event)).toBe(emptyReasonMap)
    expect(recordReason(emptyReasonMap, started(job).event)).toBe(emptyReasonMap)
  })
})

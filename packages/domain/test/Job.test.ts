import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import {
  DurationSeconds,
  InvalidJobTransition,
  Job,
  type JobEvent,
  JobId,
  JobName,
  JobNotFinished,
  type JobStatus,
  jobStatuses,
} from "../src/index"

const meta = (seconds: number) => ({
  eventId: "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c11",
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)),
  producer: "test",
})

const newJob = (): Job.Job =>
  Job.create(
    {
      id: Schema.decodeSync(JobId)("3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a"),
      name: Schema.decodeSync(JobName)("report"),
      durationSeconds: Schema.decodeSync(DurationSeconds)(5),
    },
    meta(0),
  ).job

const withStatus = (status: JobStatus): Job.Job => new Job.Job({ ...newJob(), status })

const commands: ReadonlyArray<Job.JobCommand> = ["start", "complete", "cancel", "fail", "release"]

const runCommand = (
  job: Job.Job,
  command: Job.JobCommand,
): Either.Either<Job.Transition<JobEvent>, InvalidJobTransition> => {
  switch (command) {
    case "start":
      return Job.start(job, "worker-a", meta(1))
    case "complete":
      return Job.complete(job, meta(1))
    case "cancel":
      return Job.cancel(job, meta(1))
    case "fail":
      return Job.fail(job, "boom", meta(1))
    case "release":
      return Job.release(job, "worker stopped", meta(1))
  }
}

// The expected table, written out independently of Job.transitionTable.
const expected: Record<JobStatus, Partial<Record<Job.JobCommand, JobStatus>>> = {
  PENDING: { start: "RUNNING", cancel: "CANCELLED" },
  RUNNING: { complete: "COMPLETED", cancel: "CANCELLED", fail: "FAILED", release: "PENDING" },
  COMPLETED: {},
  CANCELLED: {},
  FAILED: {},
}

describe("Job.create", () => {
  it("creates a PENDING job at version 1 with a JobCreated event", () => {
    const { job, event } = Job.create(
      {
        id: Schema.decodeSync(JobId)("3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a"),
        name: Schema.decodeSync(JobName)("report"),
        durationSeconds: Schema.decodeSync(DurationSeconds)(5),
      },
      meta(0),
    )
    expect(job.status).toBe("PENDING")
    expect(job.version).toBe(1)
    expect(job.createdAt).toEqual(meta(0).occurredAt)
    expect(job.startedAt).toBeNull()
    expect(job.finishedAt).toBeNull()
    expect(event._tag).toBe("JobCreated")
    expect(event.jobVersion).toBe(1)
    expect(event.name).toBe("report")
    expect(event.producer).toBe("test")
  })
})

describe("transition table", () => {
  for (const status of jobStatuses) {
    for (const command of commands) {
      const target = expected[status][command]
      if (target !== undefined) {
        it(`${command} from ${status} leads to ${target}`, () => {
          const before = withStatus(status)
          const result = runCommand(before, command)
          const transition = Either.getOrThrow(result)
          expect(transition.job.status).toBe(target)
          expect(transition.job.version).toBe(before.version + 1)
          expect(transition.event.jobVersion).toBe(transition.job.version)
          expect(transition.event.jobId).toBe(before.id)
        })
      } else {
        it(`${command} from ${status} is refused`, () => {
          const result = runCommand(withStatus(status), command)
          expect(Either.flip(result).pipe(Either.getOrThrow)).toEqual(
            new InvalidJobTransition({
              jobId: newJob().id,
              currentStatus: status,
              requestedStatus: Job.commandTarget[command],
            }),
          )
        })
      }
    }
  }

  it("matches the aggregate's own table", () => {
    expect(Job.transitionTable).toEqual(expected)
  })

  it("start records startedAt", () => {
    const started = Either.getOrThrow(Job.start(newJob(), "worker-a", meta(3)))
    expect(started.job.startedAt).toEqual(meta(3).occurredAt)
    expect(started.event.startedAt).toEqual(meta(3).occurredAt)
  })

  it("complete, cancel and fail record finishedAt", () => {
    const running = Either.getOrThrow(Job.start(newJob(), "worker-a", meta(1))).job
    expect(Either.getOrThrow(Job.complete(running, meta(4))).job.finishedAt).toEqual(
      meta(4).occurredAt,
    )
    expect(Either.getOrThrow(Job.cancel(running, meta(5))).job.finishedAt).toEqual(
      meta(5).occurredAt,
    )
    expect(Either.getOrThrow(Job.fail(running, "boom", meta(6))).job.finishedAt).toEqual(
      meta(6).occurredAt,
    )
  })

  it("cancel event names the status it left", () => {
    const running = Either.getOrThrow(Job.start(newJob(), "worker-a", meta(1))).job
    expect(Either.getOrThrow(Job.cancel(running, meta(2))).event.previousStatus).toBe("RUNNING")
  })

  it("refusal message names job, current and requested status", () => {
    const error = Either.flip(Job.cancel(withStatus("COMPLETED"), meta(1))).pipe(Either.getOrThrow)
    expect(error.message).toBe(
      "job 3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a is COMPLETED and cannot become CANCELLED",
    )
  })
})

describe("Job.rerun", () => {
  const rerunId = Schema.decodeSync(JobId)("9d1c7e2a-4b3f-4c8d-8e5a-2f6b0a7c9d13")

  // Written out independently of isTerminal: only a finished job can be run again.
  const rerunAllowed: Record<JobStatus, boolean> = {
    PENDING: false,
    RUNNING: false,
    COMPLETED: true,
    CANCELLED: true,
    FAILED: true,
  }

  for (const status of jobStatuses) {
    if (rerunAllowed[status]) {
      it(`rerun of a ${status} job creates a linked PENDING job`, () => {
        const original = withStatus(status)

        const { job, event } = Either.getOrThrow(Job.rerun(original, rerunId, meta(9)))

        expect(job.id).toBe(rerunId)
        expect(job.rerunOf).toBe(original.id)
        expect(job.name).toBe(original.name)
        expect(job.durationSeconds).toBe(original.durationSeconds)
        expect(job.status).toBe("PENDING")
        expect(job.version).toBe(1)
        expect(job.createdAt).toEqual(meta(9).occurredAt)
        expect(job.workerId).toBeNull()
        expect(event._tag).toBe("JobCreated")
        expect(event.jobId).toBe(rerunId)
        expect(event.rerunOf).toBe(original.id)
      })
    } else {
      it(`rerun of a ${status} job fails with JobNotFinished`, () => {
        const original = withStatus(status)

        const error = Either.flip(Job.rerun(original, rerunId, meta(9))).pipe(Either.getOrThrow)

        expect(error).toEqual(new JobNotFinished({ jobId: original.id, currentStatus: status }))
        expect(Either.isLeft(Job.decideRerun(original))).toBe(true)
      })
    }
  }

  it("refusal message names the job, its status and the finished statuses", () => {
    const error = Either.flip(Job.rerun(withStatus("RUNNING"), rerunId, meta(9))).pipe(
      Either.getOrThrow,
    )
    expect(error.message).toBe(
      "job 3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a is RUNNING and cannot be re-run until it is COMPLETED, CANCELLED or FAILED",
    )
  })

  it("a directly created job links to no original", () => {
    const { job, event } = Job.create(
      {
        id: rerunId,
        name: Schema.decodeSync(JobName)("direct"),
        durationSeconds: Schema.decodeSync(DurationSeconds)(1),
      },
      meta(0),
    )
    expect(job.rerunOf).toBeNull()
    expect(event.rerunOf).toBeNull()
  })
})

describe("Job.applyEvent", () => {
  const created = Job.create(
    {
      id: Schema.decodeSync(JobId)("3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a"),
      name: Schema.decodeSync(JobName)("report"),
      durationSeconds: Schema.decodeSync(DurationSeconds)(5),
    },
    meta(0),
  )
  const started = Either.getOrThrow(Job.start(created.job, "worker-a", meta(1)))
  const completed = Either.getOrThrow(Job.complete(started.job, meta(2)))

  it("replays events into the same state as the aggregate", () => {
    const replayed = [created.event, started.event, completed.event].reduce<Job.Job | undefined>(
      Job.applyEvent,
      undefined,
    )
    expect(replayed).toEqual(completed.job)
  })

  it("ignores an older event after a newer one", () => {
    expect(Job.applyEvent(completed.job, started.event)).toBe(completed.job)
  })

  it("ignores a repeated event", () => {
    expect(Job.applyEvent(started.job, started.event)).toBe(started.job)
  })

  it("builds a re-run job with its link from JobCreated alone", () => {
    const rerun = Either.getOrThrow(
      Job.rerun(
        completed.job,
        Schema.decodeSync(JobId)("9d1c7e2a-4b3f-4c8d-8e5a-2f6b0a7c9d13"),
        meta(3),
      ),
    )
    expect(Job.applyEvent(undefined, rerun.event)).toEqual(rerun.job)
  })

  it("cannot build a job from a non-creation event alone", () => {
    expect(Job.applyEvent(undefined, started.event)).toBeUndefined()
  })
})

describe("list helpers", () => {
  it("statusAfter agrees with the status each transition stores", () => {
    const pending = newJob()
    const started = Either.getOrThrow(Job.start(pending, "worker-a", meta(1)))
    const completed = Either.getOrThrow(Job.complete(started.job, meta(2)))

    for (const { job, event } of [started, completed]) {
      expect(Job.statusAfter[event._tag]).toBe(job.status)
    }
  })

  it("compareNewestFirst orders by createdAt, then id, both descending", () => {
    const base = newJob()
    const older = new Job.Job({ ...base, id: JobId.make("00000000-0000-4000-8000-00000000000f") })
    const sameTimeLowId = new Job.Job({
      ...base,
      id: JobId.make("00000000-0000-4000-8000-000000000001"),
      createdAt: new Date(base.createdAt.getTime() + 1000),
    })
    const sameTimeHighId = new Job.Job({
      ...sameTimeLowId,
      id: JobId.make("00000000-0000-4000-8000-000000000002"),
    })

    const sorted = [older, sameTimeLowId, sameTimeHighId].sort(Job.compareNewestFirst)

    expect(sorted.map((job) => job.id)).toEqual([sameTimeHighId.id, sameTimeLowId.id, older.id])
  })

  it("matchesSearch finds a name part ignoring case, or the exact id", () => {
    const job = { name: "Nightly-Report", id: "7eed7b54-6461-4835-b42a-b899eb904a57" }

    expect(Job.matchesSearch(job, "report")).toBe(true)
    expect(Job.matchesSearch(job, "7EED7B54-6461-4835-B42A-B899EB904A57")).toBe(true)
    expect(Job.matchesSearch(job, "7eed7b54")).toBe(false)
    expect(Job.matchesSearch(job, "weekly")).toBe(false)
    expect(Job.matchesSearch(job, "")).toBe(true)
  })
})

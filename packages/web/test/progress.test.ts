import { DurationSeconds, Job, JobId, JobName } from "@jobs/domain"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { elapsedSeconds, progressFraction, progressOf } from "../src/state/progress"

const startedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, 10))
const at = (millisecondsAfterStart: number) => startedAt.getTime() + millisecondsAfterStart

const meta = (occurredAt: Date) => ({
  eventId: crypto.randomUUID(),
  occurredAt,
  producer: "test",
})

const pendingJob = (durationSeconds: number) =>
  Job.create(
    {
      id: JobId.make(crypto.randomUUID()),
      name: JobName.make("progress"),
      durationSeconds: DurationSeconds.make(durationSeconds),
    },
    meta(new Date(Date.UTC(2026, 0, 1))),
  ).job

const runningJob = (durationSeconds: number) =>
  Either.getOrThrow(Job.start(pendingJob(durationSeconds), "worker-a", meta(startedAt))).job

describe("elapsedSeconds", () => {
  it.each([
    [0, 0],
    [999, 0],
    [1_000, 1],
    [3_500, 3],
    [10_000, 10],
  ])("counts whole seconds %i ms after the start as %i", (after, expected) => {
    expect(elapsedSeconds(startedAt, at(after), 10)).toBe(expected)
  })

  it("clamps a browser clock behind the worker's to 0", () => {
    expect(elapsedSeconds(startedAt, at(-5_000), 10)).toBe(0)
  })

  it("clamps a time past the duration to the duration", () => {
    expect(elapsedSeconds(startedAt, at(60_000), 10)).toBe(10)
  })

  it("returns 0 for an invalid start date", () => {
    expect(elapsedSeconds(new Date(Number.NaN), at(3_000), 10)).toBe(0)
  })
})

describe("progressOf", () => {
  it("running job reports elapsed and total seconds", () => {
    expect(progressOf(runningJob(10), at(3_200))).toEqual({ elapsedSeconds: 3, totalSeconds: 10 })
  })

  it("pending job has no progress", () => {
    expect(progressOf(pendingJob(10), at(3_000))).toBeUndefined()
  })

  it("cancelled job has no progress", () => {
    const cancelled = Either.getOrThrow(Job.cancel(runningJob(10), meta(new Date(at(4_000))))).job

    expect(progressOf(cancelled, at(5_000))).toBeUndefined()
  })

  it("completed job has no progress", () => {
    const completed = Either.getOrThrow(
      Job.complete(runningJob(10), meta(new Date(at(10_000)))),
    ).job

    expect(progressOf(completed, at(11_000))).toBeUndefined()
  })
})

describe("progressFraction", () => {
  it("is the elapsed share of the total", () => {
    expect(progressFraction({ elapsedSeconds: 3, totalSeconds: 12 })).toBe(0.25)
  })

  it("shows a 0-second job as full", () => {
    const progress = progressOf(runningJob(0), at(0))

    expect(progress).toEqual({ elapsedSeconds: 0, totalSeconds: 0 })
    expect(progressFraction({ elapsedSeconds: 0, totalSeconds: 0 })).toBe(1)
  })
})

import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import {
  DurationSeconds,
  decodeEventJson,
  encodeEventJson,
  Job,
  type JobEvent,
  JobId,
  JobName,
} from "../src/index"

const meta = (seconds: number, producer: string) => ({
  eventId: `0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c1${seconds}`,
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)),
  producer,
})

const created = Job.create(
  {
    id: Schema.decodeSync(JobId)("3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a"),
    name: Schema.decodeSync(JobName)("report"),
    durationSeconds: Schema.decodeSync(DurationSeconds)(5),
  },
  meta(0, "api"),
)
const started = Either.getOrThrow(Job.start(created.job, "worker-a", meta(1, "worker-a")))
const completed = Either.getOrThrow(Job.complete(started.job, meta(2, "worker-a")))
const cancelled = Either.getOrThrow(Job.cancel(started.job, meta(3, "api")))
const failed = Either.getOrThrow(Job.fail(started.job, "worker lost", meta(4, "worker-b")))

const events: ReadonlyArray<JobEvent> = [
  created.event,
  started.event,
  completed.event,
  cancelled.event,
  failed.event,
]

describe("event envelope", () => {
  it("has the cross-process field names", () => {
    const wire = JSON.parse(encodeEventJson(started.event))
    expect(wire).toEqual({
      event_type: "JobStarted",
      job_id: "3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a",
      timestamp: "2026-01-01T00:00:01.000Z",
      payload: { startedAt: "2026-01-01T00:00:01.000Z", workerId: "worker-a" },
      event_id: "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c11",
      job_version: 2,
      producer: "worker-a",
    })
  })

  it.each(events.map((event) => [event._tag, event] as const))("round-trips %s", (_tag, event) => {
    expect(decodeEventJson(encodeEventJson(event))).toEqual(Either.right(event))
  })

  it("carries the creation payload", () => {
    const wire = JSON.parse(encodeEventJson(created.event))
    expect(wire.payload).toEqual({
      name: "report",
      durationSeconds: 5,
      createdAt: "2026-01-01T00:00:00.000Z",
      rerunOf: null,
    })
  })

  it("carries rerunOf of a re-run job", () => {
    const rerun = Either.getOrThrow(
      Job.rerun(
        completed.job,
        Schema.decodeSync(JobId)("9d1c7e2a-4b3f-4c8d-8e5a-2f6b0a7c9d13"),
        meta(5, "api"),
      ),
    )

    const wire = JSON.parse(encodeEventJson(rerun.event))

    expect(wire.payload.rerunOf).toBe("3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a")
    expect(decodeEventJson(JSON.stringify(wire))).toEqual(Either.right(rerun.event))
  })

  it("decodes a JobCreated without rerunOf as not a re-run", () => {
    const wire = JSON.parse(encodeEventJson(created.event))
    delete wire.payload.rerunOf

    const decoded = Either.getOrThrow(decodeEventJson(JSON.stringify(wire)))

    // created.event carries rerunOf: null, so equality shows the missing field became null.
    expect(decoded).toEqual(created.event)
  })

  it.each([
    ["not JSON", "not json"],
    [
      "an unknown event_type",
      JSON.stringify({ ...JSON.parse(encodeEventJson(started.event)), event_type: "JobExploded" }),
    ],
    [
      "a missing job_id",
      JSON.stringify({ ...JSON.parse(encodeEventJson(started.event)), job_id: undefined }),
    ],
    [
      "a bad timestamp",
      JSON.stringify({ ...JSON.parse(encodeEventJson(started.event)), timestamp: "yesterday" }),
    ],
    [
      "a payload of the wrong type",
      JSON.stringify({ ...JSON.parse(encodeEventJson(created.event)), payload: { name: "" } }),
    ],
  ])("rejects %s", (_case, text) => {
    expect(Either.isLeft(decodeEventJson(text))).toBe(true)
  })
})

import { describe, expect, it } from "@effect/vitest"
import { Duration, Either, Option, Schema } from "effect"
import {
  DurationSeconds,
  decodeEventJson,
  encodeEventJson,
  isJobEvent,
  Job,
  JobId,
  JobName,
  Worker,
  WorkerStarted,
  WorkerStopped,
} from "../src/index"

const T0 = new Date(Date.UTC(2026, 0, 1, 0, 0, 0))

const secondsAfter = (date: Date, seconds: number): Date =>
  new Date(date.getTime() + seconds * 1000)

const meta = (
  occurredAt: Date,
  producer: string,
  eventId = "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c10",
) => ({
  eventId,
  occurredAt,
  producer,
})

const registration = { host: "box-1", pid: 4242, concurrency: 3 }

const started = Worker.start(registration, meta(T0, "worker-a"))

const stopOrThrow = (
  worker: Worker.Worker,
  reason: Worker.StopReason,
  at: Date,
  producer: string,
) =>
  Option.getOrThrow(
    Worker.stop(worker, reason, meta(at, producer, "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")),
  )

describe("Worker.start", () => {
  it("names the worker after the producer and starts its heartbeat at the start time", () => {
    expect(started.worker).toEqual(
      new Worker.Worker({
        id: "worker-a",
        host: "box-1",
        pid: 4242,
        concurrency: 3,
        startedAt: T0,
        lastHeartbeatAt: T0,
        stoppedAt: null,
        stopReason: null,
      }),
    )
  })

  it("produces a WorkerStarted event with the registration", () => {
    expect(started.event).toEqual(
      new WorkerStarted({
        eventId: "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c10",
        workerId: "worker-a",
        occurredAt: T0,
        producer: "worker-a",
        host: "box-1",
        pid: 4242,
        concurrency: 3,
        startedAt: T0,
      }),
    )
  })
})

describe("Worker.stop", () => {
  it("marks a running worker stopped with the reason and the time", () => {
    const stopAt = secondsAfter(T0, 30)
    const { worker, event } = stopOrThrow(started.worker, "shutdown", stopAt, "worker-a")

    expect(worker).toEqual(
      new Worker.Worker({ ...started.worker, stoppedAt: stopAt, stopReason: "shutdown" }),
    )
    expect(event).toEqual(
      new WorkerStopped({
        eventId: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        workerId: "worker-a",
        occurredAt: stopAt,
        producer: "worker-a",
        reason: "shutdown",
        stoppedAt: stopAt,
      }),
    )
  })

  it("names the noticing process as producer of a lost worker's event", () => {
    const { event } = stopOrThrow(started.worker, "lost", secondsAfter(T0, 30), "api")

    expect(event.workerId).toBe("worker-a")
    expect(event.producer).toBe("api")
    expect(event.reason).toBe("lost")
  })

  it("returns None for a worker that is stopped already", () => {
    const { worker } = stopOrThrow(started.worker, "lost", secondsAfter(T0, 30), "api")

    expect(
      Option.isNone(Worker.stop(worker, "shutdown", meta(secondsAfter(T0, 31), "worker-a"))),
    ).toBe(true)
  })
})

describe("Worker.isAlive", () => {
  const timeoutSeconds = Duration.toSeconds(Worker.TIMEOUT)

  it("is alive until the timeout has passed since the last heartbeat", () => {
    const justBefore = new Date(T0.getTime() + Duration.toMillis(Worker.TIMEOUT) - 1)

    expect(Worker.isAlive(started.worker, T0)).toBe(true)
    expect(Worker.isAlive(started.worker, justBefore)).toBe(true)
    expect(Worker.isAlive(started.worker, secondsAfter(T0, timeoutSeconds))).toBe(false)
  })

  it("counts from the last heartbeat, not from the start", () => {
    const beaten = new Worker.Worker({ ...started.worker, lastHeartbeatAt: secondsAfter(T0, 60) })

    expect(Worker.isAlive(beaten, secondsAfter(T0, 65))).toBe(true)
    expect(Worker.isAlive(beaten, secondsAfter(T0, 60 + timeoutSeconds))).toBe(false)
  })

  it("is false for a stopped worker even with a fresh heartbeat", () => {
    const { worker } = stopOrThrow(started.worker, "shutdown", T0, "worker-a")

    expect(Worker.isAlive(worker, T0)).toBe(false)
  })

  it("takes another timeout when one is given", () => {
    expect(Worker.isAlive(started.worker, secondsAfter(T0, 3), Duration.seconds(2))).toBe(false)
    expect(Worker.isAlive(started.worker, secondsAfter(T0, 3), Duration.seconds(4))).toBe(true)
  })

  it("allows several missed heartbeats before the timeout", () => {
    expect(Duration.toMillis(Worker.TIMEOUT)).toBeGreaterThanOrEqual(
      3 * Duration.toMillis(Worker.HEARTBEAT_INTERVAL),
    )
  })
})

describe("worker event envelope", () => {
  const stopped = stopOrThrow(started.worker, "lost", secondsAfter(T0, 30), "api")

  it("encodes WorkerStarted with the cross-process field names", () => {
    expect(JSON.parse(encodeEventJson(started.event))).toEqual({
      event_type: "WorkerStarted",
      worker_id: "worker-a",
      timestamp: "2026-01-01T00:00:00.000Z",
      payload: {
        host: "box-1",
        pid: 4242,
        concurrency: 3,
        startedAt: "2026-01-01T00:00:00.000Z",
      },
      event_id: "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c10",
      producer: "worker-a",
    })
  })

  it("encodes WorkerStopped with the cross-process field names", () => {
    expect(JSON.parse(encodeEventJson(stopped.event))).toEqual({
      event_type: "WorkerStopped",
      worker_id: "worker-a",
      timestamp: "2026-01-01T00:00:30.000Z",
      payload: { reason: "lost", stoppedAt: "2026-01-01T00:00:30.000Z" },
      event_id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
      producer: "api",
    })
  })

  it.each([
    ["WorkerStarted", started.event],
    ["WorkerStopped", stopped.event],
  ] as const)("round-trips %s", (_tag, event) => {
    const decoded = decodeEventJson(encodeEventJson(event))

    expect(decoded).toEqual(Either.right(event))
    expect(isJobEvent(Either.getOrThrow(decoded))).toBe(false)
  })

  it("still round-trips a job event, which isJobEvent recognises", () => {
    const created = Job.create(
      {
        id: Schema.decodeSync(JobId)("3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a"),
        name: Schema.decodeSync(JobName)("report"),
        durationSeconds: Schema.decodeSync(DurationSeconds)(5),
      },
      meta(T0, "api"),
    )
    const decoded = decodeEventJson(encodeEventJson(created.event))

    expect(decoded).toEqual(Either.right(created.event))
    expect(isJobEvent(Either.getOrThrow(decoded))).toBe(true)
  })

  const wire = (event: WorkerStarted | WorkerStopped) => JSON.parse(encodeEventJson(event))

  it.each([
    ["an unknown event_type", { ...wire(started.event), event_type: "WorkerExploded" }],
    ["a missing worker_id", { ...wire(started.event), worker_id: undefined }],
    [
      "a worker event in a job envelope",
      {
        ...wire(started.event),
        worker_id: undefined,
        job_id: "3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a",
        job_version: 1,
      },
    ],
    [
      "an unknown stop reason",
      {
        ...wire(stopped.event),
        payload: { reason: "crashed", stoppedAt: "2026-01-01T00:00:30.000Z" },
      },
    ],
    [
      "a concurrency of 0",
      { ...wire(started.event), payload: { ...wire(started.event).payload, concurrency: 0 } },
    ],
  ])("rejects %s", (_case, envelope) => {
    expect(Either.isLeft(decodeEventJson(JSON.stringify(envelope)))).toBe(true)
  })
})

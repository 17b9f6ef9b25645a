import { DurationSeconds, Job, JobId, JobName } from "@jobs/domain"
import { describe, expect, it } from "vitest"
import {
  addLive,
  allowedTransitions,
  arrivalDelayMs,
  currentStatus,
  emptyTimeline,
  isActionAllowed,
  mergeLog,
  producerKind,
} from "../src/state/timeline"
import { decodeJobEvent, JOB_A, logOfA, recorded } from "./fixtures/recordedEnvelopes"

const created = decodeJobEvent(recorded.createdA)
const started = decodeJobEvent(recorded.startedA)
const completed = decodeJobEvent(recorded.completedA)

const versions = (timeline: ReturnType<typeof mergeLog>) =>
  timeline.map((entry) => entry.event.jobVersion)

const jobAt = (version: number, status: Job.Job["status"]) =>
  new Job.Job({
    id: JobId.make(JOB_A),
    name: JobName.make("nightly-report"),
    durationSeconds: DurationSeconds.make(1),
    status,
    createdAt: created.occurredAt,
    startedAt: null,
    finishedAt: null,
    workerId: null,
    rerunOf: null,
    version,
  })

describe("job timeline state", () => {
  it("orders events by version whatever order they arrive in", () => {
    const timeline = [completed, created, started].reduce(
      (current, event, index) => addLive(current, event, 1_000 + index),
      emptyTimeline,
    )

    expect(versions(timeline)).toEqual([1, 2, 3])
  })

  it("keeps one entry per version when an event arrives twice", () => {
    const timeline = addLive(addLive(emptyTimeline, started, 10), started, 20)

    expect(timeline).toHaveLength(1)
    expect(timeline[0]?.receivedAt).toBe(10)
  })

  it("merges the log with live events without duplicates", () => {
    const live = addLive(emptyTimeline, started, started.occurredAt.getTime() + 40)

    const timeline = mergeLog(live, logOfA)

    expect(versions(timeline)).toEqual([1, 2, 3])
    expect(timeline.map((entry) => entry.receivedAt === null)).toEqual([true, false, true])
  })

  it("keeps the live arrival when the log is loaded before the live copy", () => {
    const fromLog = mergeLog(emptyTimeline, logOfA)

    const timeline = addLive(fromLog, completed, completed.occurredAt.getTime() + 7)

    expect(timeline.map((entry) => arrivalDelayMs(entry))).toEqual([null, null, 7])
  })

  it("measures the delay from the envelope's timestamp to the arrival", () => {
    const [entry] = addLive(emptyTimeline, created, created.occurredAt.getTime() + 25)

    expect(entry === undefined ? undefined : arrivalDelayMs(entry)).toBe(25)
  })

  it("takes the current status from the newer of the job and the last event", () => {
    const timeline = mergeLog(emptyTimeline, logOfA)

    expect(currentStatus(timeline, jobAt(2, "RUNNING"))).toBe("COMPLETED")
    expect(currentStatus(timeline.slice(0, 1), jobAt(2, "RUNNING"))).toBe("RUNNING")
    expect(currentStatus(emptyTimeline, undefined)).toBeUndefined()
  })

  it("lists the transitions of the domain's table and a re-run for finished jobs", () => {
    expect(allowedTransitions("PENDING")).toEqual([
      { command: "start", target: "RUNNING" },
      { command: "cancel", target: "CANCELLED" },
    ])
    expect(allowedTransitions("RUNNING").map((transition) => transition.command)).toEqual([
      "complete",
      "cancel",
      "fail",
      "release",
    ])
    expect(allowedTransitions("COMPLETED")).toEqual([{ command: "rerun", target: "PENDING" }])
  })

  it("allows cancel only before the end and re-run only after it", () => {
    expect(isActionAllowed("cancel", "RUNNING")).toBe(true)
    expect(isActionAllowed("cancel", "COMPLETED")).toBe(false)
    expect(isActionAllowed("rerun", "RUNNING")).toBe(false)
    expect(isActionAllowed("rerun", "FAILED")).toBe(true)
  })

  it("tells the API process from a worker process by the producer name", () => {
    expect(producerKind(created.producer)).toBe("api")
    expect(producerKind(started.producer)).toBe("worker")
    expect(producerKind("test")).toBe("other")
  })
})

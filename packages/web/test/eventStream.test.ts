import { describe, expect, it } from "vitest"
import {
  describeQueryKey,
  emptyStream,
  markReconnect,
  noFilter,
  pause,
  prettyJson,
  REFETCH_WINDOW_MS,
  receive,
  recordRefetch,
  resume,
  STREAM_CAPACITY,
  type StreamLine,
  type StreamState,
  toggleType,
  visibleLines,
} from "../src/state/eventStream"
import { decode, JOB_A, JOB_B, recorded } from "./fixtures/recordedEnvelopes"

const receiveRaw = (state: StreamState, raw: string, at: number) =>
  receive(state, decode(raw), raw, at)

const describeLine = (line: StreamLine) =>
  line.kind === "event" ? line.event._tag : `reconnect(${line.refetched.join(",")})`

const all = [
  recorded.workerStarted,
  recorded.createdA,
  recorded.startedA,
  recorded.completedA,
  recorded.createdB,
  recorded.startedB,
  recorded.cancelledB,
]

const received = all.reduce((state, raw, index) => receiveRaw(state, raw, index), emptyStream)

describe("event stream state", () => {
  it("shows envelopes newest first, duplicates included", () => {
    const state = receiveRaw(
      receiveRaw(receiveRaw(emptyStream, recorded.createdA, 1), recorded.startedA, 2),
      recorded.startedA,
      3,
    )

    expect(state.lines.map(describeLine)).toEqual(["JobStarted", "JobStarted", "JobCreated"])
    expect(new Set(state.lines.map((line) => line.key)).size).toBe(3)
  })

  it("keeps the last 500 lines", () => {
    let state = emptyStream
    for (let index = 0; index < STREAM_CAPACITY + 20; index++) {
      state = receiveRaw(state, recorded.startedA, index)
    }

    expect(state.lines).toHaveLength(STREAM_CAPACITY)
    const newest = state.lines[0]
    expect(newest?.kind).toBe("event")
    expect(newest?.kind === "event" ? newest.receivedAt : undefined).toBe(STREAM_CAPACITY + 19)
  })

  it("counts events received while paused and shows them on resume", () => {
    const paused = receiveRaw(
      receiveRaw(pause(receiveRaw(emptyStream, recorded.createdA, 1)), recorded.startedA, 2),
      recorded.completedA,
      3,
    )

    expect(paused.lines.map(describeLine)).toEqual(["JobCreated"])
    expect(paused.pendingCount).toBe(2)

    const resumed = resume(paused)
    expect(resumed.lines.map(describeLine)).toEqual(["JobCompleted", "JobStarted", "JobCreated"])
    expect(resumed.pendingCount).toBe(0)
  })

  it("keeps shown and pending lines within the cap while paused", () => {
    let state = pause(receiveRaw(emptyStream, recorded.createdA, 0))
    for (let index = 1; index <= STREAM_CAPACITY; index++) {
      state = receiveRaw(state, recorded.startedA, index)
    }

    expect(state.pendingCount).toBe(STREAM_CAPACITY)
    expect(state.lines.length + state.pending.length).toBe(STREAM_CAPACITY)
    expect(resume(state).lines).toHaveLength(STREAM_CAPACITY)
  })

  it("learns job names from JobCreated events", () => {
    expect(received.names.get(JOB_A)).toBe("nightly-report")
    expect(received.names.get(JOB_B)).toBe("weekly-export")
  })

  it("filters by event type and by part of the job id", () => {
    const withoutStarted = toggleType(noFilter, "JobStarted")
    expect(visibleLines(received, withoutStarted).map(describeLine)).not.toContain("JobStarted")
    expect(toggleType(withoutStarted, "JobStarted").hiddenTypes.size).toBe(0)

    const jobB = visibleLines(received, { ...noFilter, jobText: ` ${JOB_B.slice(0, 6)} ` })
    expect(jobB.map(describeLine)).toEqual(["JobCancelled", "JobStarted", "JobCreated"])
  })

  it("keeps reconnection markers through every filter", () => {
    const state = receiveRaw(markReconnect(received, 100), recorded.cancelledB, 101)

    const lines = visibleLines(state, { hiddenTypes: new Set(["JobCancelled"]), jobText: "zzz" })
    expect(lines.map(describeLine)).toEqual(["reconnect()"])
  })

  it("lists the queries refetched right after a reconnection on its marker", () => {
    const before = recordRefetch(received, "jobs", 1_000)
    const marked = markReconnect(before, 1_000)
    const after = recordRefetch(recordRefetch(marked, "workers", 1_200), "jobs", 1_300)
    const late = recordRefetch(after, "jobEvents 1234abcd", 1_000 + REFETCH_WINDOW_MS + 1)

    expect(late.lines.map(describeLine)[0]).toBe("reconnect(jobs,workers)")
  })

  it("adds a marker received while paused to the pending lines", () => {
    const state = markReconnect(pause(received), 5)

    expect(state.pending.map(describeLine)).toEqual(["reconnect()"])
    expect(state.pendingCount).toBe(0)
  })

  it("pretty-prints the raw envelope", () => {
    expect(prettyJson(recorded.completedA)).toBe(
      JSON.stringify(JSON.parse(recorded.completedA), null, 2),
    )
    expect(prettyJson("not json")).toBe("not json")
  })

  it("labels query keys by name and short id", () => {
    expect(describeQueryKey(["jobEvents", JOB_A])).toBe("jobEvents b397d96a")
    expect(describeQueryKey(["workers"])).toBe("workers")
  })
})

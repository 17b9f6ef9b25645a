/**
 * The behaviour every WorkerRegistry adapter must show. Each adapter's test file calls
 * `workerRegistryContract` with a layer that provides an EMPTY registry: every test builds
 * the layer anew, so tests see only the workers they register.
 */
import { describe, expect, it } from "@effect/vitest"
import { Worker, WorkerRegistry } from "@jobs/domain"
import { Effect, Layer, Option } from "effect"
import { warningsOnly } from "../support/TestLogs"

const at = (iso: string): Date => new Date(iso)

const millisAfter = (date: Date, millis: number): Date => new Date(date.getTime() + millis)

const T0 = at("2024-05-01T10:20:30.123Z")

interface WorkerOptions {
  readonly id?: string
  readonly startedAt?: Date
  readonly host?: string
  readonly pid?: number
  readonly concurrency?: number
}

/** A running worker, built by the aggregate's own start. */
const runningWorker = (options: WorkerOptions = {}): Worker.Worker =>
  Worker.start(
    {
      host: options.host ?? "host-a",
      pid: options.pid ?? 4242,
      concurrency: options.concurrency ?? 2,
    },
    {
      eventId: crypto.randomUUID(),
      occurredAt: options.startedAt ?? T0,
      producer: options.id ?? "worker-a",
    },
  ).worker

/** The record Worker.stop returns for `worker`, stopped by `producer` at `stoppedAt`. */
const stoppedRecord = (
  worker: Worker.Worker,
  reason: Worker.StopReason,
  stoppedAt: Date,
  producer = "api",
): Worker.Worker =>
  Option.getOrThrow(
    Worker.stop(worker, reason, { eventId: crypto.randomUUID(), occurredAt: stoppedAt, producer }),
  ).worker

const register = (worker: Worker.Worker) =>
  Effect.flatMap(WorkerRegistry, (registry) => registry.register(worker))

/** Registers the worker, then stores it stopped; dies if the registry refuses. */
const registerStopped = (worker: Worker.Worker, reason: Worker.StopReason, stoppedAt: Date) =>
  Effect.gen(function* () {
    const registry = yield* WorkerRegistry
    yield* registry.register(worker)
    const stopped = stoppedRecord(worker, reason, stoppedAt)
    if (!(yield* registry.markStopped(stopped))) {
      return yield* Effect.dieMessage(`markStopped of ${worker.id} was refused`)
    }
    return stopped
  })

const idsOf = (workers: ReadonlyArray<Worker.Worker>): ReadonlyArray<string> =>
  workers.map((worker) => worker.id)

export const workerRegistryContract = (
  name: string,
  layer: Layer.Layer<WorkerRegistry, unknown>,
): void => {
  describe(name, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, WorkerRegistry>) =>
      it.live(title, () =>
        body.pipe(Effect.provide(Layer.fresh(layer)), Effect.provide(warningsOnly)),
      )

    describe("register and findById", () => {
      test(
        "register then findById returns an equal worker",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const worker = runningWorker({ host: "box-1", pid: 77, concurrency: 5 })

          yield* registry.register(worker)

          const found = Option.getOrThrow(yield* registry.findById(worker.id))
          expect(found).toEqual(worker)
          expect(found.startedAt.getTime()).toBe(T0.getTime())
          expect(found.lastHeartbeatAt.getTime()).toBe(T0.getTime())
          expect(found.stoppedAt).toBeNull()
          expect(found.stopReason).toBeNull()
        }),
      )

      test(
        "findById of an unknown id returns None",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          yield* register(runningWorker({ id: "worker-a" }))

          expect(Option.isNone(yield* registry.findById("worker-b"))).toBe(true)
        }),
      )

      test(
        "registering the same id again replaces the record",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          yield* registry.register(runningWorker({ host: "old-host", pid: 1, concurrency: 1 }))
          const restarted = runningWorker({
            host: "new-host",
            pid: 2,
            concurrency: 3,
            startedAt: millisAfter(T0, 60_000),
          })

          yield* registry.register(restarted)

          expect(Option.getOrThrow(yield* registry.findById(restarted.id))).toEqual(restarted)
          expect(idsOf(yield* registry.list(T0))).toEqual([restarted.id])
        }),
      )

      test(
        "registering a stopped worker again revives it",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          yield* registerStopped(runningWorker(), "lost", millisAfter(T0, 20_000))
          const restarted = runningWorker({ startedAt: millisAfter(T0, 30_000) })

          yield* registry.register(restarted)

          const found = Option.getOrThrow(yield* registry.findById(restarted.id))
          expect(found).toEqual(restarted)
          expect(found.stoppedAt).toBeNull()
          expect(found.stopReason).toBeNull()
          expect(yield* registry.heartbeat(restarted.id, millisAfter(T0, 32_000))).toBe(true)
        }),
      )
    })

    describe("heartbeat", () => {
      test(
        "heartbeat of a running worker returns true and stores the time",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const worker = runningWorker()
          yield* registry.register(worker)
          const beatAt = millisAfter(T0, 2_345)

          expect(yield* registry.heartbeat(worker.id, beatAt)).toBe(true)

          const found = Option.getOrThrow(yield* registry.findById(worker.id))
          expect(found).toEqual(new Worker.Worker({ ...worker, lastHeartbeatAt: beatAt }))
        }),
      )

      test(
        "heartbeat of a stopped worker returns false and writes nothing",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const stopped = yield* registerStopped(
            runningWorker(),
            "shutdown",
            millisAfter(T0, 5_000),
          )

          expect(yield* registry.heartbeat(stopped.id, millisAfter(T0, 6_000))).toBe(false)

          expect(Option.getOrThrow(yield* registry.findById(stopped.id))).toEqual(stopped)
        }),
      )

      test(
        "heartbeat of an unknown worker returns false and creates nothing",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry

          expect(yield* registry.heartbeat("worker-unknown", T0)).toBe(false)

          expect(Option.isNone(yield* registry.findById("worker-unknown"))).toBe(true)
          expect(yield* registry.list(at("2000-01-01T00:00:00.000Z"))).toEqual([])
        }),
      )
    })

    describe("markStopped", () => {
      test(
        "markStopped stores the stop once and refuses the second call",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const worker = runningWorker()
          yield* registry.register(worker)
          const lost = stoppedRecord(worker, "lost", millisAfter(T0, 15_000))
          const shutdown = stoppedRecord(worker, "shutdown", millisAfter(T0, 16_000))

          expect(yield* registry.markStopped(lost)).toBe(true)
          expect(yield* registry.markStopped(shutdown)).toBe(false)

          const found = Option.getOrThrow(yield* registry.findById(worker.id))
          expect(found).toEqual(lost)
          expect(found.stopReason).toBe("lost")
          expect(found.stoppedAt?.getTime()).toBe(millisAfter(T0, 15_000).getTime())
        }),
      )

      test(
        "markStopped of an unknown worker returns false and creates nothing",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const never = stoppedRecord(runningWorker(), "lost", millisAfter(T0, 1_000))

          expect(yield* registry.markStopped(never)).toBe(false)

          expect(Option.isNone(yield* registry.findById(never.id))).toBe(true)
        }),
      )

      test(
        "of two concurrent markStopped calls exactly one succeeds",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const worker = runningWorker()
          yield* registry.register(worker)
          const byApi = stoppedRecord(worker, "lost", millisAfter(T0, 15_000), "api")
          const byPeer = stoppedRecord(worker, "lost", millisAfter(T0, 15_001), "worker-b")

          const results = yield* Effect.all(
            [registry.markStopped(byApi), registry.markStopped(byPeer)],
            { concurrency: "unbounded" },
          )

          expect(results.filter((stored) => stored)).toHaveLength(1)
          const winner = results[0] === true ? byApi : byPeer
          expect(Option.getOrThrow(yield* registry.findById(worker.id))).toEqual(winner)
        }),
      )

      test(
        "markStopped leaves alone a worker that registered again since it was read",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const before = runningWorker()
          yield* registry.register(before)
          const stopped = stoppedRecord(before, "lost", millisAfter(T0, 12_000))
          const restarted = runningWorker({ startedAt: millisAfter(T0, 11_000) })
          yield* registry.register(restarted)

          expect(yield* registry.markStopped(stopped)).toBe(false)

          expect(Option.getOrThrow(yield* registry.findById(before.id))).toEqual(restarted)
        }),
      )

      test(
        "markStopped writes only the stop fields and keeps a later heartbeat",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const worker = runningWorker()
          yield* registry.register(worker)
          // Read before the heartbeat, as the lost-worker check reads a worker and stores
          // the stop a moment later.
          const stopped = stoppedRecord(worker, "lost", millisAfter(T0, 12_000))
          const beatAt = millisAfter(T0, 11_000)
          yield* registry.heartbeat(worker.id, beatAt)

          expect(yield* registry.markStopped(stopped)).toBe(true)

          const found = Option.getOrThrow(yield* registry.findById(worker.id))
          expect(found).toEqual(new Worker.Worker({ ...stopped, lastHeartbeatAt: beatAt }))
        }),
      )
    })

    describe("findSilent", () => {
      test(
        "findSilent returns running workers whose last heartbeat is strictly before the bound",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const before = millisAfter(T0, 10_000)
          const silent = runningWorker({ id: "worker-silent" })
          const atBound = runningWorker({ id: "worker-at-bound" })
          const justSilent = runningWorker({ id: "worker-just-silent" })
          const beating = runningWorker({ id: "worker-beating" })
          yield* Effect.forEach([silent, atBound, justSilent, beating], registry.register)
          yield* registry.heartbeat(atBound.id, before)
          yield* registry.heartbeat(justSilent.id, millisAfter(before, -1))
          yield* registry.heartbeat(beating.id, millisAfter(before, 1_000))
          yield* registerStopped(
            runningWorker({ id: "worker-stopped" }),
            "shutdown",
            millisAfter(T0, 1_000),
          )

          const found = yield* registry.findSilent(before, 10)

          expect(idsOf(found)).toEqual([silent.id, justSilent.id])
        }),
      )

      test(
        "findSilent returns the oldest heartbeats first, at most limit",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const workers = ["worker-c", "worker-a", "worker-d", "worker-b"].map((id) =>
            runningWorker({ id }),
          )
          yield* Effect.forEach(workers, registry.register)
          // worker-c beat last; the other three keep their start time as last heartbeat.
          yield* registry.heartbeat("worker-c", millisAfter(T0, 3_000))

          const firstTwo = yield* registry.findSilent(millisAfter(T0, 60_000), 2)
          const all = yield* registry.findSilent(millisAfter(T0, 60_000), 10)

          expect(idsOf(firstTwo)).toEqual(["worker-a", "worker-b"])
          expect(idsOf(all)).toEqual(["worker-a", "worker-b", "worker-d", "worker-c"])
        }),
      )
    })

    describe("list", () => {
      test(
        "list keeps running workers of any age and stopped ones seen since the bound",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const seenSince = millisAfter(T0, 3_600_000)
          const oldRunning = runningWorker({ id: "worker-old-running" })
          yield* registry.register(oldRunning)
          const stoppedLongAgo = runningWorker({ id: "worker-stopped-long-ago" })
          yield* registerStopped(stoppedLongAgo, "shutdown", millisAfter(T0, 1_000))
          const stoppedAtBound = runningWorker({ id: "worker-stopped-at-bound" })
          yield* registry.register(stoppedAtBound)
          yield* registry.heartbeat(stoppedAtBound.id, seenSince)
          yield* registry.markStopped(stoppedRecord(stoppedAtBound, "lost", seenSince))
          const stoppedJustBefore = runningWorker({ id: "worker-stopped-just-before" })
          yield* registry.register(stoppedJustBefore)
          yield* registry.heartbeat(stoppedJustBefore.id, millisAfter(seenSince, -1))
          yield* registry.markStopped(stoppedRecord(stoppedJustBefore, "lost", seenSince))

          const listed = yield* registry.list(seenSince)

          // Both started at T0, so the id decides their order.
          expect(idsOf(listed)).toEqual([stoppedAtBound.id, oldRunning.id])
        }),
      )

      test(
        "list orders by start newest first, then id descending",
        Effect.gen(function* () {
          const registry = yield* WorkerRegistry
          const workers = [
            runningWorker({ id: "worker-a", startedAt: millisAfter(T0, 1_000) }),
            runningWorker({ id: "worker-b", startedAt: millisAfter(T0, 3_000) }),
            runningWorker({ id: "worker-c", startedAt: millisAfter(T0, 1_000) }),
            runningWorker({ id: "worker-d", startedAt: millisAfter(T0, 2_000) }),
          ]
          yield* Effect.forEach(workers, registry.register)
          yield* registerStopped(
            runningWorker({ id: "worker-e", startedAt: millisAfter(T0, 2_000) }),
            "shutdown",
            millisAfter(T0, 4_000),
          )

          const listed = yield* registry.list(T0)

          expect(idsOf(listed)).toEqual([
            "worker-b",
            "worker-e",
            "worker-d",
            "worker-c",
            "worker-a",
          ])
          expect(listed.find((worker) => worker.id === "worker-e")?.stopReason).toBe("shutdown")
        }),
      )
    })
  })
}

/**
 * WorkerRegistry kept in a Ref, for fast use-case tests. It follows the same contract as
 * the PostgreSQL adapter (the shared contract suite checks both). Every conditional write
 * is one Ref.modify, so it is atomic like the single UPDATE statement in PostgreSQL.
 */
import { Worker, WorkerRegistry, type WorkerRegistryShape } from "@jobs/domain"
import { Effect, Layer, Option, Ref } from "effect"

type Workers = ReadonlyMap<string, Worker.Worker>

// Code-unit order. The SQL queries compare ids with COLLATE "C" (byte order), which agrees
// with it for ASCII ids such as `worker-<id>`.
const compareIds = (a: string, b: string): number => {
  if (a === b) {
    return 0
  }
  return a < b ? -1 : 1
}

// Newest start first, then id descending, as the SQL query orders them.
const newestStartFirst = (a: Worker.Worker, b: Worker.Worker): number =>
  b.startedAt.getTime() - a.startedAt.getTime() || compareIds(b.id, a.id)

// Oldest heartbeat first, then id, as the SQL query orders them.
const oldestHeartbeatFirst = (a: Worker.Worker, b: Worker.Worker): number =>
  a.lastHeartbeatAt.getTime() - b.lastHeartbeatAt.getTime() || compareIds(a.id, b.id)

/**
 * Applies `change` to the stored running worker `id` (started at `startedAt`, when
 * given); false, changing nothing, otherwise.
 */
const updateRunning = (
  store: Ref.Ref<Workers>,
  id: string,
  change: (worker: Worker.Worker) => Worker.Worker,
  startedAt?: Date,
): Effect.Effect<boolean> =>
  Ref.modify(store, (workers) => {
    const stored = workers.get(id)
    if (
      stored === undefined ||
      stored.stoppedAt !== null ||
      (startedAt !== undefined && stored.startedAt.getTime() !== startedAt.getTime())
    ) {
      return [false, workers] as const
    }
    return [true, new Map(workers).set(id, change(stored))] as const
  })

export const make: Effect.Effect<WorkerRegistryShape> = Effect.gen(function* () {
  const store = yield* Ref.make<Workers>(new Map())

  return WorkerRegistry.of({
    register: (worker) => Ref.update(store, (workers) => new Map(workers).set(worker.id, worker)),

    heartbeat: (id, at) =>
      updateRunning(store, id, (stored) => new Worker.Worker({ ...stored, lastHeartbeatAt: at })),

    findById: (id) =>
      Ref.get(store).pipe(Effect.map((workers) => Option.fromNullable(workers.get(id)))),

    // Only the stop fields are written, as in PostgreSQL, so a heartbeat stored after the
    // caller read the worker is kept.
    markStopped: (stopped) =>
      updateRunning(
        store,
        stopped.id,
        (stored) =>
          new Worker.Worker({
            ...stored,
            stoppedAt: stopped.stoppedAt,
            stopReason: stopped.stopReason,
          }),
        stopped.startedAt,
      ),

    findSilent: (before, limit) =>
      Ref.get(store).pipe(
        Effect.map((workers) =>
          [...workers.values()]
            .filter((worker) => worker.stoppedAt === null)
            .filter((worker) => worker.lastHeartbeatAt.getTime() < before.getTime())
            .sort(oldestHeartbeatFirst)
            .slice(0, limit),
        ),
      ),

    list: (seenSince) =>
      Ref.get(store).pipe(
        Effect.map((workers) =>
          [...workers.values()]
            .filter(
              (worker) =>
                worker.stoppedAt === null ||
                worker.lastHeartbeatAt.getTime() >= seenSince.getTime(),
            )
            .sort(newestStartFirst),
        ),
      ),
  })
})

/** A fresh, empty registry per layer build. */
export const layer: Layer.Layer<WorkerRegistry> = Layer.effect(WorkerRegistry, make)

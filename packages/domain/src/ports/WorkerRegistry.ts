import { Context, type Effect, type Option } from "effect"
import type { RepositoryError } from "../Errors"
import type { Worker } from "../Worker"

/**
 * The registry of worker processes, kept beside the jobs (PostgreSQL in
 * production, memory in fast tests; both pass the same contract suite). The jobs a
 * worker runs are not stored here: each RUNNING job's workerId names its worker.
 */
export interface WorkerRegistryShape {
  /**
   * Stores a worker that just started. A worker that registers again under the same
   * id (a restart with the same WORKER_ID) replaces its earlier record.
   */
  readonly register: (worker: Worker) => Effect.Effect<void, RepositoryError>
  /**
   * Records that the worker is alive at `at`. Returns false, writing nothing, when
   * the registry has no live record of it (it was marked stopped or lost, or never
   * registered), so the worker registers again.
   */
  readonly heartbeat: (id: string, at: Date) => Effect.Effect<boolean, RepositoryError>
  /** Returns the worker with this id, or None. */
  readonly findById: (id: string) => Effect.Effect<Option.Option<Worker>, RepositoryError>
  /**
   * Sets the stop time and reason of `stopped` (a record that Worker.stop returned) on
   * the stored worker, only if it is the same registration (same startedAt) and not
   * marked stopped yet. Its other fields, such as a newer heartbeat, are kept. Returns
   * false, writing nothing, when another process stopped it first, it registered again
   * since, or it does not exist. Of two concurrent calls at most one succeeds.
   */
  readonly markStopped: (stopped: Worker) => Effect.Effect<boolean, RepositoryError>
  /** Up to `limit` workers not marked stopped whose last heartbeat is older than `before`. */
  readonly findSilent: (
    before: Date,
    limit: number,
  ) => Effect.Effect<ReadonlyArray<Worker>, RepositoryError>
  /**
   * Workers not marked stopped, and the others whose last heartbeat is at or after
   * `seenSince`, newest start first (then id).
   */
  readonly list: (seenSince: Date) => Effect.Effect<ReadonlyArray<Worker>, RepositoryError>
}

export class WorkerRegistry extends Context.Tag("@jobs/domain/WorkerRegistry")<
  WorkerRegistry,
  WorkerRegistryShape
>() {}

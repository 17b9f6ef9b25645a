/**
 * A JobRepository that sends concurrent inserts, reads by id and updates to the repository
 * below it in batches: `insertMany`, `findByIds` and `updateMany`, one round trip each.
 * Callers keep the one-job methods and get the same results as without batching. The use
 * cases stay written for one job: the worker claims and completes each job in a fiber of
 * its own, and the API creates one job per request. Under load, their writes still share
 * round trips.
 */
import type { Job, JobChange, JobId, JobRepositoryShape, NewJob } from "@jobs/domain"
import { Effect, Option, type Scope } from "effect"
import * as Batcher from "./Batcher"

/**
 * The maximum number of requests of one kind in a batch, which bounds the size of a
 * statement. Batches reach it only when requests pile up faster than the store replies.
 */
export const MAX_BATCH_SIZE = 100

const byId = (jobs: ReadonlyArray<Job.Job>): ReadonlyMap<string, Job.Job> =>
  new Map(jobs.map((job) => [job.id, job]))

/** Wraps `repository`. The batching stops when the scope closes. */
export const make = (
  repository: JobRepositoryShape,
): Effect.Effect<JobRepositoryShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const insert = yield* Batcher.make({
      maxSize: MAX_BATCH_SIZE,
      run: Batcher.withFallbackToSingles((jobs: ReadonlyArray<NewJob>) =>
        repository.insertMany(jobs).pipe(Effect.as(jobs.map(() => undefined))),
      ),
    })

    const find = yield* Batcher.make({
      maxSize: MAX_BATCH_SIZE,
      run: Batcher.withFallbackToSingles((ids: ReadonlyArray<JobId>) =>
        repository.findByIds(ids).pipe(
          Effect.map((jobs) => {
            const found = byId(jobs)
            return ids.map((id) => Option.fromNullable(found.get(id)))
          }),
        ),
      ),
    })

    // Two changes of one job never share a batch, so the second is checked against what
    // the first stored, as two separate updates would be.
    const update = yield* Batcher.make({
      maxSize: MAX_BATCH_SIZE,
      key: (change: JobChange) => change.next.id,
      run: Batcher.withFallbackToSingles((changes: ReadonlyArray<JobChange>) =>
        repository.updateMany(changes).pipe(
          Effect.map((jobs) => {
            const stored = byId(jobs)
            return changes.map((change) => Option.fromNullable(stored.get(change.next.id)))
          }),
        ),
      ),
    })

    return {
      ...repository,
      insert: (job, event) => insert({ job, event }),
      findById: find,
      update: (next, expected, event) => update({ next, expected, event }),
    }
  })

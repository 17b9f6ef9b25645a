/**
 * JobRepository kept in a Ref, for fast use-case tests. It follows the same
 * contract as the PostgreSQL adapter (the shared contract suite checks both).
 */
import { type Job, JobRepository, type JobRepositoryShape, RepositoryError } from "@jobs/domain"
import { Effect, Layer, Option, Ref } from "effect"

// Newest first: createdAt descending, then id descending, as the SQL index orders them.
const newestFirst = (a: Job.Job, b: Job.Job): number => {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime()
  if (byTime !== 0) {
    return byTime
  }
  // Code-unit order, as isAfterCursor compares ids, which matches PostgreSQL's uuid order
  // for lowercase ids.
  if (a.id === b.id) {
    return 0
  }
  return a.id < b.id ? 1 : -1
}

const isAfterCursor = (job: Job.Job, cursor: { createdAt: Date; id: string }): boolean =>
  job.createdAt.getTime() < cursor.createdAt.getTime() ||
  (job.createdAt.getTime() === cursor.createdAt.getTime() && job.id < cursor.id)

export const make: Effect.Effect<JobRepositoryShape> = Effect.gen(function* () {
  const jobs = yield* Ref.make(new Map<string, Job.Job>())

  return JobRepository.of({
    insert: (job) =>
      Ref.modify(jobs, (current) => {
        if (current.has(job.id)) {
          return [false, current] as const
        }
        return [true, new Map(current).set(job.id, job)] as const
      }).pipe(
        Effect.filterOrFail(
          (inserted) => inserted,
          () => new RepositoryError({ message: `a job with id ${job.id} already exists` }),
        ),
        Effect.asVoid,
      ),

    findById: (id) =>
      Ref.get(jobs).pipe(Effect.map((current) => Option.fromNullable(current.get(id)))),

    list: ({ status, limit, after }) =>
      Ref.get(jobs).pipe(
        Effect.map((current) => {
          const matching = [...current.values()]
            .filter((job) => status === undefined || job.status === status)
            .filter((job) => after === undefined || isAfterCursor(job, after))
            .sort(newestFirst)
          const items = matching.slice(0, limit)
          const last = items[items.length - 1]
          const next =
            matching.length > limit && last !== undefined
              ? { createdAt: last.createdAt, id: last.id }
              : null
          return { items, next }
        }),
      ),

    update: (next, expected) =>
      Ref.modify(jobs, (current) => {
        const stored = current.get(next.id)
        if (stored === undefined || stored.status !== expected) {
          return [Option.none<Job.Job>(), current] as const
        }
        return [Option.some(next), new Map(current).set(next.id, next)] as const
      }),
  })
})

/** A fresh, empty repository per layer build. */
export const layer: Layer.Layer<JobRepository> = Layer.effect(JobRepository, make)

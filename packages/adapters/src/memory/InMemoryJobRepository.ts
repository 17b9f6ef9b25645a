/**
 * JobRepository kept in a Ref, for fast use-case tests. It follows the same
 * contract as the PostgreSQL adapter (the shared contract suite checks both).
 */
import {
  Job,
  type JobEvent,
  JobRepository,
  type JobRepositoryShape,
  RepositoryError,
  zeroStatusCounts,
} from "@jobs/domain"
import { Effect, Layer, Option, Ref } from "effect"

const isAfterCursor = (job: Job.Job, cursor: { createdAt: Date; id: string }): boolean =>
  job.createdAt.getTime() < cursor.createdAt.getTime() ||
  (job.createdAt.getTime() === cursor.createdAt.getTime() && job.id < cursor.id)

/**
 * Whether the job's name contains the search text, ignoring case, or the text is its id.
 * NOTE: toLowerCase follows Unicode rules, and PostgreSQL's lower() follows the database's
 * locale, so the two adapters may disagree on a few letters outside ASCII (such as U+0130).
 */
/** Everything the store keeps: the jobs, each job's event log and last heartbeat. */
interface State {
  readonly jobs: ReadonlyMap<string, Job.Job>
  readonly events: ReadonlyMap<string, ReadonlyArray<JobEvent>>
  readonly heartbeats: ReadonlyMap<string, Date>
}

const withEvent = (state: State, event: JobEvent): State["events"] =>
  new Map(state.events).set(event.jobId, [...(state.events.get(event.jobId) ?? []), event])

/** The time a RUNNING job last showed it was alive: its last heartbeat, else its start. */
const lastSignOfLife = (state: State, job: Job.Job): number =>
  (state.heartbeats.get(job.id) ?? job.startedAt ?? job.createdAt).getTime()

export const make: Effect.Effect<JobRepositoryShape> = Effect.gen(function* () {
  const store = yield* Ref.make<State>({
    jobs: new Map(),
    events: new Map(),
    heartbeats: new Map(),
  })

  return JobRepository.of({
    insert: (job, event) =>
      Ref.modify(store, (state) => {
        if (state.jobs.has(job.id)) {
          return [false, state] as const
        }
        const jobs = new Map(state.jobs).set(job.id, job)
        return [true, { ...state, jobs, events: withEvent(state, event) }] as const
      }).pipe(
        Effect.filterOrFail(
          (inserted) => inserted,
          () => new RepositoryError({ message: `a job with id ${job.id} already exists` }),
        ),
        Effect.asVoid,
      ),

    findById: (id) =>
      Ref.get(store).pipe(Effect.map((state) => Option.fromNullable(state.jobs.get(id)))),

    list: ({ status, search, limit, after }) =>
      Ref.get(store).pipe(
        Effect.map((state) => {
          const matching = [...state.jobs.values()]
            .filter((job) => status === undefined || job.status === status)
            .filter((job) => search === undefined || Job.matchesSearch(job, search))
            .filter((job) => after === undefined || isAfterCursor(job, after))
            .sort(Job.compareNewestFirst)
          const items = matching.slice(0, limit)
          const last = items[items.length - 1]
          const next =
            matching.length > limit && last !== undefined
              ? { createdAt: last.createdAt, id: last.id }
              : null
          return { items, next }
        }),
      ),

    oldestPending: (limit) =>
      Ref.get(store).pipe(
        Effect.map((state) =>
          [...state.jobs.values()]
            .filter((job) => job.status === "PENDING")
            .sort((a, b) => Job.compareNewestFirst(b, a))
            .slice(0, limit),
        ),
      ),

    countByStatus: (search) =>
      Ref.get(store).pipe(
        Effect.map((state) => {
          const counts = zeroStatusCounts()
          for (const job of state.jobs.values()) {
            if (search === undefined || Job.matchesSearch(job, search)) {
              counts[job.status] += 1
            }
          }
          return counts
        }),
      ),

    update: (next, expected, event) =>
      Ref.modify(store, (state) => {
        const stored = state.jobs.get(next.id)
        if (stored === undefined || stored.status !== expected) {
          return [Option.none<Job.Job>(), state] as const
        }
        const jobs = new Map(state.jobs).set(next.id, next)
        // Every transition starts a new period without a heartbeat, as in PostgreSQL, so
        // a beat from an earlier run never makes a restarted job look alive or stale.
        const heartbeats = new Map(state.heartbeats)
        heartbeats.delete(next.id)
        return [
          Option.some(next),
          { ...state, jobs, heartbeats, events: withEvent(state, event) },
        ] as const
      }),

    listEvents: (id) =>
      Ref.get(store).pipe(
        Effect.map((state) =>
          [...(state.events.get(id) ?? [])].sort((a, b) => a.jobVersion - b.jobVersion),
        ),
      ),

    heartbeat: (id, workerId, at) =>
      Ref.modify(store, (state) => {
        const job = state.jobs.get(id)
        if (job === undefined || job.status !== "RUNNING" || job.workerId !== workerId) {
          return [false, state] as const
        }
        return [true, { ...state, heartbeats: new Map(state.heartbeats).set(id, at) }] as const
      }),

    findStale: (before, limit) =>
      Ref.get(store).pipe(
        Effect.map((state) =>
          [...state.jobs.values()]
            .filter((job) => job.status === "RUNNING")
            .filter((job) => lastSignOfLife(state, job) < before.getTime())
            .sort((a, b) => lastSignOfLife(state, a) - lastSignOfLife(state, b))
            .slice(0, limit),
        ),
      ),
  })
})

/** A fresh, empty repository per layer build. */
export const layer: Layer.Layer<JobRepository> = Layer.effect(JobRepository, make)

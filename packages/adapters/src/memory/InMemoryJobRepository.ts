/**
 * JobRepository kept in a Ref, for fast use-case tests. It follows the same
 * contract as the PostgreSQL adapter (the shared contract suite checks both).
 */
import {
  Job,
  type JobChange,
  type JobEvent,
  JobRepository,
  type JobRepositoryShape,
  type NewJob,
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

/** Adds the new jobs and their events to the state, or returns the first id that exists. */
const withNewJobs = (state: State, added: ReadonlyArray<NewJob>): State | string => {
  const jobs = new Map(state.jobs)
  const events = new Map(state.events)
  for (const { job, event } of added) {
    if (jobs.has(job.id)) {
      return job.id
    }
    jobs.set(job.id, job)
    events.set(job.id, [...(events.get(job.id) ?? []), event])
  }
  return { ...state, jobs, events }
}

/** Applies `change` to the state, or returns the same state when its condition does not hold. */
const withChange = (state: State, { next, expected, event }: JobChange): State => {
  const stored = state.jobs.get(next.id)
  if (stored === undefined || stored.status !== expected || stored.version !== next.version - 1) {
    return state
  }
  const jobs = new Map(state.jobs).set(next.id, next)
  // Every transition starts a new period without a heartbeat, as in PostgreSQL, so
  // a beat from an earlier run never makes a restarted job look alive or stale.
  const heartbeats = new Map(state.heartbeats)
  heartbeats.delete(next.id)
  return { ...state, jobs, heartbeats, events: withEvent(state, event) }
}

export const make: Effect.Effect<JobRepositoryShape> = Effect.gen(function* () {
  const store = yield* Ref.make<State>({
    jobs: new Map(),
    events: new Map(),
    heartbeats: new Map(),
  })

  const insertMany = (added: ReadonlyArray<NewJob>) =>
    Ref.modify(store, (state) => {
      const next = withNewJobs(state, added)
      return typeof next === "string" ? [next, state] : [undefined, next]
    }).pipe(
      Effect.flatMap((duplicate) =>
        duplicate === undefined
          ? Effect.void
          : Effect.fail(
              new RepositoryError({ message: `a job with id ${duplicate} already exists` }),
            ),
      ),
    )

  const updateMany = (changes: ReadonlyArray<JobChange>) =>
    Ref.modify(store, (state) => {
      let current = state
      const stored: Array<Job.Job> = []
      for (const change of changes) {
        const after = withChange(current, change)
        if (after !== current) {
          stored.push(change.next)
        }
        current = after
      }
      return [stored as ReadonlyArray<Job.Job>, current]
    })

  return JobRepository.of({
    insert: (job, event) => insertMany([{ job, event }]),

    insertMany,

    findById: (id) =>
      Ref.get(store).pipe(Effect.map((state) => Option.fromNullable(state.jobs.get(id)))),

    findByIds: (ids) =>
      Ref.get(store).pipe(
        Effect.map((state) =>
          [...new Set(ids)].flatMap((id) => {
            const job = state.jobs.get(id)
            return job === undefined ? [] : [job]
          }),
        ),
      ),

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
      updateMany([{ next, expected, event }]).pipe(
        Effect.map((stored) => Option.fromNullable(stored[0])),
      ),

    updateMany,

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

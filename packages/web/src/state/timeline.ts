/**
 * One job's event timeline: the events of its log merged with those that arrived live over
 * SSE, one entry per job version, oldest first.
 *
 * The log (GET /api/jobs/{id}/events) and the live stream overlap: an event can arrive live and
 * then again in a refetched log, or twice on the stream, and a live event can overtake the log
 * request that should have carried it. The merge keys entries by version, so the order and the
 * content do not depend on the order in which the copies come in.
 */
import { isTerminal, Job, type JobEvent, type JobStatus } from "@jobs/domain"

export interface TimelineEntry {
  readonly event: JobEvent
  /** Date.now() when the event arrived in this tab over SSE; null when it came from the log. */
  readonly receivedAt: number | null
}

/** Entries sorted by job version, at most one per version. */
export type Timeline = ReadonlyArray<TimelineEntry>

export const emptyTimeline: Timeline = []

const byVersion = (a: TimelineEntry, b: TimelineEntry): number =>
  a.event.jobVersion - b.event.jobVersion

/**
 * Combines two copies of the same version. The first copy's event stays. The arrival time is
 * the earliest live one, so a log refetch never hides the delay of an event seen live.
 */
const combine = (kept: TimelineEntry, other: TimelineEntry): TimelineEntry => {
  if (other.receivedAt === null) {
    return kept
  }
  if (kept.receivedAt === null || other.receivedAt < kept.receivedAt) {
    return { event: kept.event, receivedAt: other.receivedAt }
  }
  return kept
}

const mergeEntries = (timeline: Timeline, incoming: ReadonlyArray<TimelineEntry>): Timeline => {
  const entries = new Map<number, TimelineEntry>()
  for (const entry of [...timeline, ...incoming]) {
    const version = entry.event.jobVersion
    const existing = entries.get(version)
    entries.set(version, existing === undefined ? entry : combine(existing, entry))
  }
  return [...entries.values()].sort(byVersion)
}

/** Adds the events of the job's log, which carry no arrival time. */
export const mergeLog = (timeline: Timeline, log: ReadonlyArray<JobEvent>): Timeline =>
  mergeEntries(
    timeline,
    log.map((event) => ({ event, receivedAt: null })),
  )

/** Adds one event that arrived over SSE at `receivedAt` (Date.now()). */
export const addLive = (timeline: Timeline, event: JobEvent, receivedAt: number): Timeline =>
  mergeEntries(timeline, [{ event, receivedAt }])

/**
 * Milliseconds from the event's `timestamp` (set by the producing process) to its arrival in
 * this tab, or null for an event from the log. It can be negative when this machine's clock is
 * behind the producer's.
 */
export const arrivalDelayMs = (entry: TimelineEntry): number | null =>
  entry.receivedAt === null ? null : entry.receivedAt - entry.event.occurredAt.getTime()

/**
 * The job's current status: from the loaded job or from the newest timeline entry, whichever
 * has the higher version. Undefined while neither is known.
 */
export const currentStatus = (
  timeline: Timeline,
  job: Job.Job | undefined,
): JobStatus | undefined => {
  const last = timeline.at(-1)
  if (last === undefined) {
    return job?.status
  }
  if (job !== undefined && job.version >= last.event.jobVersion) {
    return job.status
  }
  return Job.statusAfter[last.event._tag]
}

/** A move that the domain allows from a status: a command of the job, or a re-run. */
export interface AllowedTransition {
  readonly command: Job.JobCommand | "rerun"
  /** The status the job moves to; for a re-run, the status of the new job. */
  readonly target: JobStatus
}

/**
 * Lists the transitions the domain allows from `status`: the commands of the aggregate's
 * transition table, then a re-run for a finished job (which creates a new PENDING job).
 */
export const allowedTransitions = (status: JobStatus): ReadonlyArray<AllowedTransition> => {
  const commands = Job.allowedCommands(status).map((command) => ({
    command,
    target: Job.commandTarget[command],
  }))
  return isTerminal(status) ? [...commands, { command: "rerun", target: "PENDING" }] : commands
}

/** The actions the page offers on a job. */
export type JobAction = "cancel" | "rerun"

/** Whether the domain allows the action from `status`; the API rejects the others. */
export const isActionAllowed = (action: JobAction, status: JobStatus): boolean =>
  allowedTransitions(status).some((transition) => transition.command === action)

/** The kind of process that produced an event, read from its `producer` field. */
export type ProducerKind = "api" | "worker" | "other"

export const producerKind = (producer: string): ProducerKind => {
  if (producer === "api") {
    return "api"
  }
  return producer.startsWith("worker-") ? "worker" : "other"
}

/** The first eight characters of a UUID, enough to tell jobs apart on one screen. */
export const shortId = (id: string): string => id.slice(0, 8)

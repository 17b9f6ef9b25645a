/** The parts of the HTTP API the scenarios call, with the JSON shapes they read. */

export type JobStatus = "PENDING" | "RUNNING" | "COMPLETED" | "CANCELLED" | "FAILED"

export const TERMINAL_STATUSES: ReadonlyArray<string> = ["COMPLETED", "CANCELLED", "FAILED"]

export interface JobJson {
  readonly id: string
  readonly status: JobStatus
  readonly version: number
}

/** One event of the event log or of the SSE stream, in the wire envelope. */
export interface Envelope {
  readonly event_type: string
  readonly job_id: string
  readonly event_id: string
  readonly job_version: number
  readonly timestamp: string
  readonly producer: string
  readonly payload: Readonly<Record<string, unknown>>
}

/** The status a job has right after an event of this type. */
export const statusAfter: Readonly<Record<string, JobStatus>> = {
  JobCreated: "PENDING",
  JobStarted: "RUNNING",
  JobCompleted: "COMPLETED",
  JobCancelled: "CANCELLED",
  JobFailed: "FAILED",
  JobRequeued: "PENDING",
}

const REQUEST_TIMEOUT_MILLIS = 10_000

const describeFailure = async (what: string, response: Response) =>
  new Error(`${what} returned ${response.status}: ${(await response.text()).slice(0, 300)}`)

/** Creates a job and returns it; fails on any status but 201. */
export const createJob = async (
  baseUrl: string,
  name: string,
  durationSeconds: number,
): Promise<JobJson> => {
  const response = await fetch(`${baseUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, durationSeconds }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
  })
  if (response.status !== 201) {
    throw await describeFailure("POST /api/jobs", response)
  }
  return (await response.json()) as JobJson
}

/** Sends a cancel request and returns the status code with the job or error body. */
export const cancelJob = async (
  baseUrl: string,
  id: string,
): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(`${baseUrl}/api/jobs/${id}/cancel`, {
    method: "POST",
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
  })
  const text = await response.text()
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
}

/** Fetches the first page of the job list, newest first, as the web app loads it. */
export const listJobs = async (baseUrl: string, limit: number): Promise<ReadonlyArray<JobJson>> => {
  const response = await fetch(`${baseUrl}/api/jobs?limit=${limit}`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
  })
  if (response.status !== 200) {
    throw await describeFailure("GET /api/jobs", response)
  }
  return ((await response.json()) as { items: ReadonlyArray<JobJson> }).items
}

export interface WorkerJson {
  readonly id: string
  readonly alive: boolean
  readonly stopReason: string | null
  readonly runningJobs: ReadonlyArray<JobJson>
}

/** Fetches the worker registry's list (GET /api/workers). */
export const listWorkers = async (baseUrl: string): Promise<ReadonlyArray<WorkerJson>> => {
  const response = await fetch(`${baseUrl}/api/workers`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
  })
  if (response.status !== 200) {
    throw await describeFailure("GET /api/workers", response)
  }
  return ((await response.json()) as { items: ReadonlyArray<WorkerJson> }).items
}

/** Sends a GET and returns its status code, or 0 when the request itself failed. */
export const statusOf = async (url: string): Promise<number> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS) })
    await response.body?.cancel()
    return response.status
  } catch {
    return 0
  }
}

/** The job's event log from GET /api/jobs/:id/events, ordered by job version. */
export const jobEvents = async (baseUrl: string, id: string): Promise<ReadonlyArray<Envelope>> => {
  const response = await fetch(`${baseUrl}/api/jobs/${id}/events`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
  })
  if (response.status !== 200) {
    throw await describeFailure(`GET /api/jobs/${id}/events`, response)
  }
  const items = ((await response.json()) as { items: ReadonlyArray<Envelope> }).items
  return [...items].sort((a, b) => a.job_version - b.job_version)
}

/** Runs `task` over `items` with at most `concurrency` at a time, keeping the order. */
export const mapLimited = async <A, B>(
  items: ReadonlyArray<A>,
  concurrency: number,
  task: (item: A, index: number) => Promise<B>,
): Promise<Array<B>> => {
  const results: Array<B> = new Array(items.length)
  let next = 0
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as A, index)
    }
  })
  await Promise.all(lanes)
  return results
}

export const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

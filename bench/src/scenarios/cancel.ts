/**
 * Cancel latency: how long a RUNNING job takes to show as cancelled on an SSE client, and
 * how long the worker takes to stop its run.
 *
 * Each sample creates a 30-second job, waits for its JobStarted on GET /api/events, then
 * takes the time just before sending POST /api/jobs/{id}/cancel and measures until
 *   - that job's JobCancelled arrives on the same event stream (what a web app user waits for),
 *   - the POST's response arrives,
 *   - the API server logs "job cancelled" for the job, after its database commit and Redis
 *     PUBLISH (its log timestamp),
 *   - the worker logs "job cancelled, run stopped" for the job (its log timestamp).
 * Samples run one after the other, with a random pause of 10-100 ms between them, so at
 * most one job runs at a time and no sample waits for a worker slot.
 */
import { cancelJob, createJob, sleep } from "../../../faults/support/api"
import { cpuMillis } from "../cpu"
import { loadAverage } from "../environment"
import { latencyFigures, OURS } from "../figures"
import { LogWatch } from "../logLines"
import { writeSamples } from "../output"
import type { Scenario } from "../scenario"
import { summarize } from "../stats"
import { SHARED_SYSTEM_SETTINGS, type System } from "../system"

const FULL_SAMPLES = 200
const SMOKE_SAMPLES = 5
// Unmeasured samples first, so the first requests, which run code paths for the
// first time and open the HTTP connections, do not land in the first repetition.
const WARMUP_SAMPLES = 5
const SMOKE_WARMUP_SAMPLES = 1
const JOB_DURATION_SECONDS = 30
const MIN_GAP_MILLIS = 10
const MAX_GAP_MILLIS = 100
// Far above any expected latency, so only a broken system hits it.
const STEP_TIMEOUT_MILLIS = 10_000

/** The line the cancel use case logs in the API server after the commit and the publish. */
const CANCELLED_MESSAGE = "job cancelled"
/** The line JobRuns.ts logs in the worker when a cancel has interrupted a run. */
const STOPPED_MESSAGE = "job cancelled, run stopped"

interface Watches {
  readonly cancelled: LogWatch
  readonly stopped: LogWatch
}

interface Sample {
  readonly toSseEvent: number
  readonly toResponse: number
  readonly toApiCancelled: number
  readonly toRunStopped: number
}

const measureOne = async (system: System, logs: Watches, name: string): Promise<Sample> => {
  const job = await createJob(system.baseUrl, name, JOB_DURATION_SECONDS)
  await system.events.waitFor(job.id, "JobStarted", STEP_TIMEOUT_MILLIS)

  // Every wait is in place before the request goes out, because the event can arrive
  // before the response does. Promise.all handles a failure of any of them, so a failed
  // POST ends the sample at once instead of leaving the waits to time out unobserved.
  const cancelled = system.events.waitFor(job.id, "JobCancelled", STEP_TIMEOUT_MILLIS)
  const apiCancelled = logs.cancelled.waitFor(job.id, STEP_TIMEOUT_MILLIS)
  const runStopped = logs.stopped.waitFor(job.id, STEP_TIMEOUT_MILLIS)
  const sentAtWallClock = Date.now()
  const sentAt = performance.now()
  const responded = cancelJob(system.baseUrl, job.id).then((response) => {
    const respondedAt = performance.now()
    if (response.status !== 200) {
      throw new Error(
        `POST /api/jobs/${job.id}/cancel returned ${response.status}: ${JSON.stringify(response.body)}`,
      )
    }
    return respondedAt
  })
  const [respondedAt, arrival, apiCancelledAt, stoppedAt] = await Promise.all([
    responded,
    cancelled,
    apiCancelled,
    runStopped,
  ])

  system.events.forget(job.id)
  logs.cancelled.forget(job.id)
  logs.stopped.forget(job.id)
  return {
    toSseEvent: arrival.arrivedAt - sentAt,
    toResponse: respondedAt - sentAt,
    toApiCancelled: apiCancelledAt - sentAtWallClock,
    toRunStopped: stoppedAt - sentAtWallClock,
  }
}

const randomGap = () => MIN_GAP_MILLIS + Math.random() * (MAX_GAP_MILLIS - MIN_GAP_MILLIS)

export const cancel: Scenario = {
  name: "cancel",
  title: "Cancel latency",
  run: async (settings, stack, progress, startSystem) => {
    const samples = settings.samples ?? (settings.smoke ? SMOKE_SAMPLES : FULL_SAMPLES)
    const system = await startSystem(stack, "bench-cancel")
    const logs: Watches = {
      cancelled: new LogWatch(system.api, CANCELLED_MESSAGE),
      stopped: new LogWatch(system.worker, STOPPED_MESSAGE),
    }

    const warmups = settings.smoke ? SMOKE_WARMUP_SAMPLES : WARMUP_SAMPLES
    for (let index = 0; index < warmups; index++) {
      await measureOne(system, logs, `bench cancel warm-up ${index + 1}`)
    }

    const repetitions: Array<ReadonlyArray<Sample>> = []
    const loads: Array<string> = []
    const cpuCosts: Array<string> = []
    const cpuOfProcesses = () =>
      Promise.all([system.api, system.worker].map((running) => cpuMillis(running.child.pid ?? 0)))
    for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
      const measured: Array<Sample> = []
      const loadBefore = loadAverage()
      const [apiBefore = 0, workerBefore = 0] = await cpuOfProcesses()
      for (let index = 0; index < samples; index++) {
        measured.push(await measureOne(system, logs, `bench cancel ${repetition}.${index + 1}`))
        await sleep(randomGap())
      }
      repetitions.push(measured)
      loads.push(`${loadBefore} -> ${loadAverage()}`)
      const [apiAfter = 0, workerAfter = 0] = await cpuOfProcesses()
      const perSample = (before: number, after: number) => ((after - before) / samples).toFixed(1)
      cpuCosts.push(`${perSample(apiBefore, apiAfter)} / ${perSample(workerBefore, workerAfter)}`)
      const summary = summarize(measured.map((sample) => sample.toSseEvent))
      progress(
        `cancel: repetition ${repetition}/${settings.repetitions}: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms`,
      )
    }

    const samplesFile = await writeSamples("cancel", repetitions)
    progress(`cancel: raw samples in ${samplesFile}`)

    const measure = (name: string, pick: (sample: Sample) => number) => ({
      name,
      repetitions: repetitions.map((measured) => summarize(measured.map(pick))),
    })
    const toSseEvent = repetitions.map((measured) =>
      summarize(measured.map((sample) => sample.toSseEvent)),
    )
    return {
      figures: latencyFigures(
        "cancel latency (POST cancel -> JobCancelled on SSE)",
        OURS,
        toSseEvent,
      ),
      settings: [
        ["Samples per repetition", String(samples)],
        ["Repetitions", String(settings.repetitions)],
        ["Warm-up samples (not counted)", String(warmups)],
        ["Job duration", `${JOB_DURATION_SECONDS} s`],
        ["Pause between samples", `random ${MIN_GAP_MILLIS}-${MAX_GAP_MILLIS} ms`],
        [
          "Processes",
          settings.smoke
            ? SHARED_SYSTEM_SETTINGS
            : "1 API server, 1 worker (WORKER_CONCURRENCY=100), 1 SSE client",
        ],
        ["LOG_LEVEL", "info"],
      ],
      measures: [
        measure("POST cancel -> JobCancelled on SSE", (sample) => sample.toSseEvent),
        measure("POST cancel -> HTTP response", (sample) => sample.toResponse),
        measure("POST cancel -> API logged job cancelled", (sample) => sample.toApiCancelled),
        measure("POST cancel -> worker run stopped (log)", (sample) => sample.toRunStopped),
      ],
      notes: [
        "Percentiles are nearest-rank. The first two measures use `performance.now()` of the benchmark process.",
        'The two log measures compare `Date.now()` just before the POST with the timestamp of the API server\'s "job cancelled" or the worker\'s "job cancelled, run stopped" log line. Both are whole milliseconds of the same machine clock, so each value is off by up to 1 ms.',
        `1-minute load average of the machine at the start and end of each repetition: ${loads.join(", ")}.`,
        `CPU time per sample (create, start, cancel, pause), API server / worker, in ms, per repetition: ${cpuCosts.join(", ")}.`,
      ],
    }
  },
}

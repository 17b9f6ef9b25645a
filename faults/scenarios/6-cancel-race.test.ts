/**
 * Cancel races completion: 50 jobs of 2 s, each cancelled at a random moment from 1.8 to
 * 2.2 s after it started, so some cancels arrive before the worker's completing write and
 * some after. Whichever conditional update lands first wins; the other must change nothing.
 * The database, the event log and the last event a client saw over SSE must agree on the
 * one terminal state, and the cancel response must match it (200 CANCELLED, 409 otherwise).
 */
import { it } from "vitest"
import { cancelJob, createJob, mapLimited, sleep, statusAfter } from "../support/api"
import { startApi, startBackend, startWorker } from "../support/harness"
import { LiveView } from "../support/liveView"
import { check, initialProblems, measure, runScenario, waitForTerminal } from "../support/report"

const JOBS = 50
const DURATION_SECONDS = 2
const CANCEL_FROM_MILLIS = 1_800
const CANCEL_SPAN_MILLIS = 400
const START_WAIT_MILLIS = 20_000
const BOUND_MILLIS = 30_000
const SSE_WAIT_MILLIS = 10_000

/** Resolves with each job's start time (from its JobStarted event) once the client sees it. */
class StartTimes {
  private readonly known = new Map<string, number>()
  private readonly waiting = new Map<string, (startedAt: number) => void>()

  record(jobId: string, startedAt: number): void {
    if (this.known.has(jobId)) {
      return
    }
    this.known.set(jobId, startedAt)
    this.waiting.get(jobId)?.(startedAt)
  }

  of(jobId: string, waitMillis: number): Promise<number | undefined> {
    const startedAt = this.known.get(jobId)
    if (startedAt !== undefined) {
      return Promise.resolve(startedAt)
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMillis)
      this.waiting.set(jobId, (at) => {
        clearTimeout(timer)
        resolve(at)
      })
    })
  }
}

it("cancel racing completion ends once", () =>
  runScenario({ number: 6, title: "cancel 2 s jobs at 1.8-2.2 s" }, async (stack) => {
    const backend = await startBackend(stack, "faults-6")
    const [api] = await Promise.all([
      startApi(stack, backend, "faults-6-api"),
      startWorker(stack, backend, "faults-6-worker-1"),
      startWorker(stack, backend, "faults-6-worker-2"),
    ])
    const view = await LiveView.open(api.baseUrl)
    stack.defer("close the event stream", async () => view.close())

    const starts = new StartTimes()
    view.onEvent((event) => {
      if (event.event_type === "JobStarted") {
        starts.record(event.job_id, Date.parse(String(event.payload.startedAt ?? event.timestamp)))
      }
    })

    const jobs = await mapLimited(Array.from({ length: JOBS }), 10, (_, index) =>
      createJob(api.baseUrl, `raced ${index + 1}`, DURATION_SECONDS),
    )
    const ids = jobs.map((job) => job.id)

    const cancelAnswers = await Promise.all(
      ids.map(async (id) => {
        const startedAt = await starts.of(id, START_WAIT_MILLIS)
        if (startedAt === undefined) {
          return { id, status: undefined }
        }
        const cancelAt = startedAt + CANCEL_FROM_MILLIS + Math.random() * CANCEL_SPAN_MILLIS
        await sleep(Math.max(cancelAt - Date.now(), 0))
        return { id, status: (await cancelJob(api.baseUrl, id)).status }
      }),
    )
    await waitForTerminal(backend.databaseUrl, ids, BOUND_MILLIS)

    // The client's last event per job, once it has a terminal one for every job or time runs out.
    const sseDeadline = Date.now() + SSE_WAIT_MILLIS
    const sseStatus = (id: string) => {
      const last = view.lastEvents.get(id)
      return last === undefined ? undefined : statusAfter[last.event_type]
    }
    while (
      ids.some((id) => !["COMPLETED", "CANCELLED", "FAILED"].includes(sseStatus(id) ?? "")) &&
      Date.now() < sseDeadline
    ) {
      await sleep(200)
    }

    const measurement = await measure(backend.databaseUrl, api.baseUrl, ids)
    const problems = initialProblems(measurement)
    const dbStatus = (id: string) => measurement.statuses.get(id)

    const unseen = cancelAnswers.filter((answer) => answer.status === undefined).length
    check(problems, unseen === 0, `the client saw no JobStarted for ${unseen} jobs`)

    const wrongAnswers = cancelAnswers.filter(
      (answer) =>
        answer.status !== undefined &&
        !(
          (answer.status === 200 && dbStatus(answer.id) === "CANCELLED") ||
          (answer.status === 409 && dbStatus(answer.id) === "COMPLETED")
        ),
    )
    check(
      problems,
      wrongAnswers.length === 0,
      `${wrongAnswers.length} cancel answers disagree with the database (200 must mean CANCELLED, 409 COMPLETED)`,
    )

    if (measurement.logs !== undefined) {
      const logs = measurement.logs
      const logDisagrees = ids.filter((id) => {
        const log = logs.get(id) ?? []
        const terminal = log.filter((event) =>
          ["JobCompleted", "JobCancelled", "JobFailed"].includes(event.event_type),
        )
        const last = log.at(-1)
        return terminal.length !== 1 || statusAfter[last?.event_type ?? ""] !== dbStatus(id)
      })
      check(
        problems,
        logDisagrees.length === 0,
        `${logDisagrees.length} event logs do not end in the database's state with exactly one terminal event`,
      )
    }

    const sseDisagrees = ids.filter((id) => sseStatus(id) !== dbStatus(id))
    check(
      problems,
      sseDisagrees.length === 0,
      `the last SSE event of ${sseDisagrees.length} jobs disagrees with the database`,
    )

    const secondCancels = await mapLimited(ids, 10, (id) => cancelJob(api.baseUrl, id))
    const notConflict = secondCancels.filter((answer) => answer.status !== 409).length
    check(problems, notConflict === 0, `${notConflict} cancels of finished jobs did not return 409`)

    const won = cancelAnswers.filter((answer) => answer.status === 200).length
    return {
      figures: measurement.figures,
      problems,
      notes: [`cancel won ${won} races and lost ${JOBS - won - unseen}`],
    }
  }))

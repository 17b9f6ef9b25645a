/**
 * A worker gets SIGTERM in the middle of its jobs while a second worker runs. It puts each
 * running job back to PENDING (JobRequeued) and exits within 5 s. The second worker then runs the jobs from the start and completes them.
 */
import { it } from "vitest"
import { createJob, mapLimited } from "../support/api"
import { startApi, startBackend, startWorker, terminate } from "../support/harness"
import {
  check,
  initialProblems,
  measure,
  runScenario,
  waitForStatus,
  waitForTerminal,
} from "../support/report"

const JOBS = 3
const DURATION_SECONDS = 5
/** Requeue, pick-up by the other worker (event or 5 s sweep) and a 5 s run, with margin. */
const BOUND_MILLIS = 30_000
const EXIT_BOUND_SECONDS = 5

it("SIGTERM requeues jobs elsewhere", () =>
  runScenario({ number: 7, title: "SIGTERM a worker mid-job" }, async (stack) => {
    const backend = await startBackend(stack, "faults-7")
    const api = await startApi(stack, backend, "faults-7-api")
    const stopping = await startWorker(stack, backend, "faults-7-stopping")

    // Only the first worker runs, so it claims every job.
    const jobs = await mapLimited(Array.from({ length: JOBS }), JOBS, (_, index) =>
      createJob(api.baseUrl, `interrupted ${index + 1}`, DURATION_SECONDS),
    )
    const ids = jobs.map((job) => job.id)
    await waitForStatus(backend.databaseUrl, ids, "RUNNING", JOBS, 15_000)
    await startWorker(stack, backend, "faults-7-remaining")

    const signalledAt = Date.now()
    const exit = await terminate(stopping)
    const waited = await waitForTerminal(backend.databaseUrl, ids, BOUND_MILLIS, signalledAt)

    const measurement = await measure(backend.databaseUrl, api.baseUrl, ids)
    const problems = initialProblems(measurement)
    check(
      problems,
      exit.code === 0 && exit.seconds <= EXIT_BOUND_SECONDS,
      `expected exit code 0 within ${EXIT_BOUND_SECONDS} s of SIGTERM, got code ${exit.code} signal ${exit.signal} after ${exit.seconds} s`,
    )
    check(
      problems,
      measurement.figures.completed === JOBS,
      `expected ${JOBS} jobs COMPLETED, got ${measurement.figures.completed}`,
    )
    const requeued = ids.filter((id) =>
      (measurement.logs?.get(id) ?? []).some((event) => event.event_type === "JobRequeued"),
    ).length
    check(
      problems,
      measurement.logs === undefined || requeued === JOBS,
      `expected a JobRequeued in each event log, found it in ${requeued} of ${JOBS}`,
    )
    return {
      figures: measurement.figures,
      problems,
      notes: [
        `worker exited in ${exit.seconds.toFixed(1)} s`,
        `completed ${waited?.toFixed(1) ?? "more than 30"} s after SIGTERM`,
      ],
    }
  }))

/**
 * Jobs created while no worker runs: their JobCreated events reach no subscriber, so only the
 * sweep for PENDING jobs that a worker runs at startup (and every 5 s) can find them.
 */
import { it } from "vitest"
import { createJob, mapLimited } from "../support/api"
import { startApi, startBackend, startWorker, terminate } from "../support/harness"
import { check, initialProblems, measure, runScenario, waitForTerminal } from "../support/report"

const JOBS = 20
/** Startup sweep plus 20 one-second jobs run side by side, with a wide margin. */
const BOUND_MILLIS = 30_000

it("jobs created without workers complete", () =>
  runScenario({ number: 3, title: "no worker, 20 jobs, then one worker" }, async (stack) => {
    const backend = await startBackend(stack, "faults-3")
    const [api, ...workers] = await Promise.all([
      startApi(stack, backend, "faults-3-api"),
      startWorker(stack, backend, "faults-3-worker-1"),
      startWorker(stack, backend, "faults-3-worker-2"),
    ])
    await Promise.all(workers.map(terminate))

    const jobs = await mapLimited(Array.from({ length: JOBS }), 10, (_, index) =>
      createJob(api.baseUrl, `waiting ${index + 1}`, 1),
    )
    const ids = jobs.map((job) => job.id)
    await startWorker(stack, backend, "faults-3-worker-3")
    const waited = await waitForTerminal(backend.databaseUrl, ids, BOUND_MILLIS)

    const measurement = await measure(backend.databaseUrl, api.baseUrl, ids)
    const problems = initialProblems(measurement)
    check(
      problems,
      measurement.figures.completed === JOBS,
      `expected ${JOBS} jobs COMPLETED, got ${measurement.figures.completed}`,
    )
    return {
      figures: measurement.figures,
      problems,
      notes: [`all completed ${waited?.toFixed(1) ?? "more than 30"} s after the worker was ready`],
    }
  }))

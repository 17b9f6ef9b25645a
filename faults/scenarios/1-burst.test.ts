/**
 * Three workers and 200 short jobs created as fast as the API accepts them: every job ends
 * once, although the workers race to claim each one (through Pub/Sub and the PENDING sweep).
 */
import { it } from "vitest"
import { createJob, mapLimited } from "../support/api"
import { startApi, startBackend, startWorker } from "../support/harness"
import { initialProblems, measure, runScenario, waitForTerminal } from "../support/report"

const JOBS = 200
const WORKERS = 3
/** 200 jobs of at most 1 s on three workers normally end within seconds. */
const BOUND_MILLIS = 60_000

it("burst of 200 jobs ends once each", () =>
  runScenario({ number: 1, title: "3 workers, 200 jobs of 0-1 s" }, async (stack) => {
    const backend = await startBackend(stack, "faults-1")
    const [api] = await Promise.all([
      startApi(stack, backend, "faults-1-api"),
      ...Array.from({ length: WORKERS }, (_, index) =>
        startWorker(stack, backend, `faults-1-worker-${index + 1}`),
      ),
    ])

    const jobs = await mapLimited(Array.from({ length: JOBS }), 20, (_, index) =>
      createJob(api.baseUrl, `burst ${index + 1}`, index % 2),
    )
    const ids = jobs.map((job) => job.id)
    const waited = await waitForTerminal(backend.databaseUrl, ids, BOUND_MILLIS)

    const measurement = await measure(backend.databaseUrl, api.baseUrl, ids)
    return {
      figures: measurement.figures,
      problems: initialProblems(measurement),
      notes: [`all terminal ${waited?.toFixed(1) ?? "more than 60"} s after the last create`],
    }
  }))

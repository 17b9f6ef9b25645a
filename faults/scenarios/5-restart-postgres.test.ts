/**
 * PostgreSQL restarts (fast shutdown, which closes every connection) while 50 jobs run. The API responds with 503 while it is down.
 * Afterwards the API server and the workers carry on without a restart. Heartbeats that fail
 * are retried on the next tick, and the completing write is retried with backoff (about 6 s in
 * all), longer than the outage.
 */
import { it } from "vitest"
import { createJob, mapLimited, sleep, statusOf } from "../support/api"
import { startApi, startBackend, startWorker } from "../support/harness"
import {
  check,
  initialProblems,
  measure,
  runScenario,
  waitForStatus,
  waitForTerminal,
} from "../support/report"

const JOBS = 50
const OUTAGE_MILLIS = 2_000
const BOUND_MILLIS = 60_000
const RECOVERY_WAIT_MILLIS = 30_000

it("PostgreSQL restart loses no job", () =>
  runScenario({ number: 5, title: "restart PostgreSQL during 50 jobs" }, async (stack) => {
    const backend = await startBackend(stack, "faults-5", { ownPostgres: true })
    const postgres = backend.postgres!
    const [api] = await Promise.all([
      startApi(stack, backend, "faults-5-api"),
      startWorker(stack, backend, "faults-5-worker-1"),
      startWorker(stack, backend, "faults-5-worker-2"),
    ])

    const jobs = await mapLimited(Array.from({ length: JOBS }), 10, (_, index) =>
      createJob(api.baseUrl, `through restart ${index + 1}`, 3 + (index % 3)),
    )
    const ids = jobs.map((job) => job.id)
    await waitForStatus(backend.databaseUrl, ids, "RUNNING", JOBS / 2, 15_000)

    await postgres.stop()
    const outageBegin = Date.now()
    const listWhileDown = await statusOf(`${api.baseUrl}/api/jobs`)
    const healthWhileDown = await statusOf(`${api.baseUrl}/api/health`)
    await sleep(Math.max(OUTAGE_MILLIS - (Date.now() - outageBegin), 0))
    await postgres.startAgain()
    const restartedAt = Date.now()

    const recoveryDeadline = Date.now() + RECOVERY_WAIT_MILLIS
    let healthAfter = await statusOf(`${api.baseUrl}/api/health`)
    while (healthAfter !== 200 && Date.now() < recoveryDeadline) {
      await sleep(500)
      healthAfter = await statusOf(`${api.baseUrl}/api/health`)
    }
    const waited = await waitForTerminal(backend.databaseUrl, ids, BOUND_MILLIS, restartedAt)

    const measurement = await measure(backend.databaseUrl, api.baseUrl, ids)
    const problems = initialProblems(measurement)
    check(
      problems,
      listWhileDown === 503,
      `GET /api/jobs returned ${listWhileDown} while PostgreSQL was down, expected 503`,
    )
    check(
      problems,
      healthWhileDown === 503,
      `GET /api/health returned ${healthWhileDown} while PostgreSQL was down, expected 503`,
    )
    check(
      problems,
      healthAfter === 200,
      `GET /api/health returned ${healthAfter} ${RECOVERY_WAIT_MILLIS / 1000} s after the restart, expected 200`,
    )
    check(
      problems,
      measurement.figures.completed === JOBS,
      `expected ${JOBS} jobs COMPLETED, got ${measurement.figures.completed}`,
    )
    return {
      figures: measurement.figures,
      problems,
      notes: [`all terminal ${waited?.toFixed(1) ?? "more than 60"} s after PostgreSQL was back`],
    }
  }))

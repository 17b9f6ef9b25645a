/**
 * Redis restarts while 50 jobs run and a client watches GET /api/events. Events published
 * while Redis is down are lost (Pub/Sub delivers at most once), and ten of the jobs are
 * created during the outage, so their JobCreated reaches no worker. The jobs must still all
 * end (the PENDING sweep finds them), and the client, which reloads the job list whenever
 * its stream reopens, must end up showing what the database holds.
 */
import { it } from "vitest"
import { createJob, type JobJson, mapLimited, sleep } from "../support/api"
import { startApi, startBackend, startWorker } from "../support/harness"
import { LiveView } from "../support/liveView"
import {
  check,
  databaseStatuses,
  initialProblems,
  measure,
  runScenario,
  waitForStatus,
  waitForTerminal,
} from "../support/report"

const JOBS_BEFORE = 40
const JOBS_DURING_OUTAGE = 10
const OUTAGE_MILLIS = 2_000
/** The sweep runs every 5 s and the jobs take up to 4 s. */
const BOUND_MILLIS = 60_000
/** The client's reconnect delay (3 s, the server's `retry:`) plus a list reload, with margin. */
const CONVERGE_MILLIS = 15_000

/** Ids whose shown status differs from the database's. */
const mismatches = (view: LiveView, statuses: Map<string, string>, ids: ReadonlyArray<string>) =>
  ids.filter((id) => view.jobs.get(id)?.status !== statuses.get(id))

it("client converges after Redis restart", () =>
  runScenario({ number: 4, title: "restart Redis during 50 jobs" }, async (stack) => {
    const backend = await startBackend(stack, "faults-4", { ownRedis: true })
    const redis = backend.redis!
    const [api] = await Promise.all([
      startApi(stack, backend, "faults-4-api"),
      startWorker(stack, backend, "faults-4-worker-1"),
      startWorker(stack, backend, "faults-4-worker-2"),
    ])
    const view = await LiveView.open(api.baseUrl)
    stack.defer("close the event stream", async () => view.close())

    const create = (count: number, label: string) =>
      mapLimited(Array.from({ length: count }), 10, (_, index) =>
        createJob(api.baseUrl, `${label} ${index + 1}`, 2 + (index % 3)),
      )
    const before: Array<JobJson> = await create(JOBS_BEFORE, "before restart")
    const beforeIds = before.map((job) => job.id)
    await waitForStatus(backend.databaseUrl, beforeIds, "RUNNING", 10, 15_000)

    await redis.stop()
    const outageBegin = Date.now()
    const during = await create(JOBS_DURING_OUTAGE, "during outage")
    await sleep(Math.max(OUTAGE_MILLIS - (Date.now() - outageBegin), 0))
    await redis.startAgain()

    const ids = [...beforeIds, ...during.map((job) => job.id)]
    const waited = await waitForTerminal(backend.databaseUrl, ids, BOUND_MILLIS)

    const statuses = await databaseStatuses(backend.databaseUrl)
    const convergeDeadline = Date.now() + CONVERGE_MILLIS
    while (mismatches(view, statuses, ids).length > 0 && Date.now() < convergeDeadline) {
      await sleep(200)
    }
    const wrong = mismatches(view, statuses, ids)

    const measurement = await measure(backend.databaseUrl, api.baseUrl, ids)
    const problems = initialProblems(measurement)
    const differences = new Map<string, number>()
    for (const id of wrong) {
      const pair = `${view.jobs.get(id)?.status ?? "absent"} instead of ${statuses.get(id)}`
      differences.set(pair, (differences.get(pair) ?? 0) + 1)
    }
    const described = [...differences].map(([pair, count]) => `${count} ${pair}`).join(", ")
    check(
      problems,
      wrong.length === 0,
      `the client shows ${wrong.length} jobs in a state other than the database's (${described})`,
    )
    return {
      figures: measurement.figures,
      problems,
      notes: [
        `all terminal ${waited?.toFixed(1) ?? "more than 60"} s after Redis was back`,
        `client stream opened ${view.opens} times`,
      ],
    }
  }))

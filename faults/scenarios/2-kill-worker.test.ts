/**
 * A worker is killed with SIGKILL while it runs five jobs. It never gets to requeue them,
 * so they stay RUNNING until the stale-job reaper finds their heartbeats stopped (timeout 10 s,
 * checked every 2 s) and marks them FAILED. The same check marks the worker itself lost in
 * the registry. A second worker stays alive throughout, and a new one starts after the kill.
 */
import { it } from "vitest"
import { createJob, listWorkers, mapLimited, type WorkerJson } from "../support/api"
import { startApi, startBackend, startWorker } from "../support/harness"
import {
  check,
  initialProblems,
  measure,
  runScenario,
  waitForStatus,
  waitForTerminal,
} from "../support/report"

const JOBS = 5
/** Long enough that no job could complete before the reaper acts. */
const DURATION_SECONDS = 30
/** Heartbeat timeout 10 s + reaper interval 2 s, with margin for a loaded machine. */
const BOUND_MILLIS = 25_000
const CLAIM_WAIT_MILLIS = 15_000
const REGISTRY_WAIT_MILLIS = 5_000
const VICTIM = "worker-faults-2-victim"

it("killed worker's jobs end FAILED", () =>
  runScenario({ number: 2, title: "kill -9 a worker running 5 jobs" }, async (stack) => {
    const backend = await startBackend(stack, "faults-2")
    const api = await startApi(stack, backend, "faults-2-api")
    const victim = await startWorker(stack, backend, "faults-2-victim")

    // Only the victim runs, so it claims all five jobs.
    const jobs = await mapLimited(Array.from({ length: JOBS }), JOBS, (_, index) =>
      createJob(api.baseUrl, `killed ${index + 1}`, DURATION_SECONDS),
    )
    const ids = jobs.map((job) => job.id)
    await waitForStatus(backend.databaseUrl, ids, "RUNNING", JOBS, CLAIM_WAIT_MILLIS)

    await startWorker(stack, backend, "faults-2-survivor")
    const killedAt = Date.now()
    victim.child.kill("SIGKILL")
    await victim.exited
    await startWorker(stack, backend, "faults-2-replacement")
    const waited = await waitForTerminal(backend.databaseUrl, ids, BOUND_MILLIS, killedAt)

    const measurement = await measure(backend.databaseUrl, api.baseUrl, ids)
    const problems = initialProblems(measurement)
    check(
      problems,
      measurement.figures.failed === JOBS,
      `expected all ${JOBS} jobs FAILED by the reaper, got ${measurement.figures.failed}`,
    )
    // The check that fails the jobs marks the worker lost in the same pass, just after.
    const registryDeadline = Date.now() + REGISTRY_WAIT_MILLIS
    let workers = new Map<string, WorkerJson>()
    do {
      workers = new Map((await listWorkers(api.baseUrl)).map((worker) => [worker.id, worker]))
    } while (workers.get(VICTIM)?.alive !== false && Date.now() < registryDeadline)
    const victimRecord = workers.get(VICTIM)
    check(
      problems,
      victimRecord?.alive === false && victimRecord.stopReason === "lost",
      `expected the killed worker listed as lost, got ${JSON.stringify(victimRecord ?? null)}`,
    )
    check(
      problems,
      ["worker-faults-2-survivor", "worker-faults-2-replacement"].every(
        (id) => workers.get(id)?.alive === true,
      ),
      "expected the survivor and the replacement listed as alive",
    )
    return {
      figures: measurement.figures,
      problems,
      notes: [`all terminal ${waited?.toFixed(1) ?? "more than 25"} s after the kill`],
    }
  }))
